'use strict';
// Reproduces the sql.js / Emscripten MEMFS leak from the story.
//
// sql.js's Database constructor writes the image it is given into the module-wide
// in-memory filesystem (MEMFS) as a file named dbfile_<random>; only Database#close()
// unlinks it. The sql.js module is a process-wide singleton, so a Database that is just
// dropped leaves a full copy of the database image alive in MEMFS forever: one leaked
// ArrayBuffer of exactly the DB file's size per open.
//
//   leak mode : every op does  new SQL.Database(fs.readFileSync(dbPath)) , queries, drops it
//   fixed mode: the Database is opened once and reused (the story's fix: cache per path)
//
// Extra options: --db FILE (default: <tmpdir>/leakhunt-sqljs-<M>mb.db), --db-mb M (default 2):
// the DB file is created with sql.js if missing, filled until it is at least M MiB. --build debug loads sql.js's
// unminified build (dist/sql-wasm-debug.js), whose MEMFS classes keep their names (FSNode, FS.nameTable); run it
// as node --single-threaded server.js --build debug.
const fs = require('fs');
const os = require('os');
const path = require('path');
const BUILDS = {
  default: () => require('sql.js'),
  debug: () => require('sql.js/dist/sql-wasm-debug.js'),
};
const { run } = require('../lib/harness');

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function isSqlite(file) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(16);
      return fs.readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_MAGIC);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

// Deterministic pseudo-random rows, so a given --db-mb always gives the same file.
function createDb(SQL, file, mb) {
  const target = Math.ceil(mb * 1024 * 1024);
  const db = new SQL.Database();
  let seed = 0x2545f491;
  const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  const words = ['memory', 'store', 'agent', 'vector', 'session', 'claude', 'proxy', 'query', 'note', 'task',
    'context', 'embedding', 'namespace', 'pattern', 'cache', 'index', 'record', 'update'];
  try {
    db.run('PRAGMA page_size = 4096');
    db.run(`CREATE TABLE memories (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL,
            value TEXT NOT NULL, score REAL, created_at INTEGER)`);
    db.run('CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT)');
    db.run("INSERT INTO meta VALUES ('generator', 'leakhunt samples/sqljs-memfs-leak')");
    const pageSize = db.exec('PRAGMA page_size')[0].values[0][0];
    let id = 0;
    for (;;) {
      const pages = db.exec('PRAGMA page_count')[0].values[0][0];
      if (pages * pageSize >= target) break;
      const remainingRows = Math.max(1, Math.ceil(((target - pages * pageSize) / 260) * 0.9));
      const stmt = db.prepare('INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?)');
      db.run('BEGIN');
      for (let i = 0; i < Math.min(remainingRows, 2000); i++) {
        id++;
        let value = '';
        while (value.length < 160 + (rnd() % 120)) value += words[rnd() % words.length] + ' ' + rnd().toString(36) + ' ';
        stmt.run([id, `ns-${rnd() % 16}`, `key-${id}-${rnd().toString(16)}`, value, (rnd() % 10000) / 100, 1700000000 + id]);
      }
      db.run('COMMIT');
      stmt.free();
    }
    const bytes = db.export();
    const tmp = `${file}.${process.pid}.part`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file); // atomic: concurrent starters never see a half-written DB
  } finally {
    db.close();
  }
}

run({
  name: 'sqljs-memfs-leak',
  extra: {
    db: { arg: 'FILE', default: null },
    'db-mb': { arg: 'M', default: 2, type: 'number' },
    build: { arg: 'default|debug', default: 'default' },
  },
  async setup(opts) {
    if (!BUILDS[opts.build]) throw new Error(`--build must be default or debug, not '${opts.build}'`);
    if (opts.build === 'debug' && !process.execArgv.includes('--single-threaded')) {
      // Node 20's V8 can deadlock compiling the debug build's WebAssembly: background compile jobs wait for a
      // collection (allocating its function names) while the main thread waits for them (seen in about one
      // fixed-mode run in three, with gdb). With no background threads it cannot; node must be given the flag.
      process.stderr.write('sqljs-memfs-leak: --build debug needs node --single-threaded (V8 can deadlock '
        + 'compiling its WebAssembly on background threads)\n');
      process.exit(2);
    }
    const dist = path.dirname(require.resolve('sql.js/dist/sql-wasm.js'));
    const SQL = await BUILDS[opts.build]()({ locateFile: (file) => path.join(dist, file) });
    if (!(opts['db-mb'] > 0)) throw new Error('--db-mb must be > 0');
    const dbPath = path.resolve(opts.db || path.join(os.tmpdir(), `leakhunt-sqljs-${opts['db-mb']}mb.db`));
    if (!isSqlite(dbPath)) createDb(SQL, dbPath, opts['db-mb']);
    const dbBytes = fs.statSync(dbPath).size;
    return { SQL, mode: opts.mode, dbPath, dbBytes, cached: null, opened: 0, rows: 0 };
  },
  op(state, seq) {
    let db;
    if (state.mode === 'leak') {
      // The bug: a fresh Database (and MEMFS dbfile_<random> copy) per operation, never closed.
      db = new state.SQL.Database(fs.readFileSync(state.dbPath));
      state.opened++;
    } else {
      if (!state.cached) {
        state.cached = new state.SQL.Database(fs.readFileSync(state.dbPath));
        state.opened++;
      }
      db = state.cached;
    }
    // A cheap query (a rowid lookup and a count on a tiny table): it reads only a few pages,
    // so SQLite's page cache in the WASM heap stays small and the leak is the MEMFS files.
    const res = db.exec(`SELECT count(*) FROM meta; SELECT length(value) FROM memories WHERE id = ${1 + (seq % 1000)}`);
    state.rows = res[0].values[0][0];
  },
  info(state) {
    return { dbBytes: state.dbBytes, dbPath: state.dbPath, opened: state.opened };
  },
});
