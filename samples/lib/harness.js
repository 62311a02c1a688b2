'use strict';
// Shared harness for the leakhunt sample services.
//
// Contract (see samples/README.md):
//   node server.js [--mode leak|fixed] [--ops N] [--every MS] [--port P] [--snapshot FILE] [sample options]
// - performs N operations at startup, and with --every MS one more every MS milliseconds once listening
//   (a service that leaks on a timer, with no load needed);
// - with --snapshot FILE: after the startup ops (and after listening, so the state is held as in a
//   running service) writes a heap snapshot to FILE and exits 0, printing nothing;
// - otherwise listens on 127.0.0.1:P (0 = ephemeral), prints one JSON "ready" line on stdout
//   and serves GET /op?n=K, GET /memory, GET /snapshot?file=F, GET /exit.
// - SIGTERM/SIGINT exit 0. No SIGUSR1 handler is installed (that signal opens the inspector).

const http = require('http');
const path = require('path');
const v8 = require('v8');

function usage(name, extra, msg) {
  const lines = [
    `usage: node server.js [--mode leak|fixed] [--ops N] [--every MS] [--port P] [--snapshot FILE]` +
      Object.keys(extra).map((k) => ` [--${k} ${extra[k].arg || 'V'}]`).join(''),
  ];
  if (msg) lines.unshift(`${name}: ${msg}`);
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(2);
}

// extra: { 'db-mb': { arg: 'M', default: 2, type: 'number' }, ... }
function parseArgs(name, argv, extra = {}) {
  const opts = { mode: 'leak', ops: 0, every: 0, port: 0, snapshot: null };
  for (const [k, spec] of Object.entries(extra)) opts[k] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const key = a.replace(/^--/, '');
    const known = ['mode', 'ops', 'every', 'port', 'snapshot'].includes(key) || key in extra;
    if (!a.startsWith('--') || !known) {
      if (a === '--help' || a === '-h') usage(name, extra);
      usage(name, extra, `unknown argument '${argv[i]}'`);
    }
    if (v === undefined) {
      if (i + 1 >= argv.length) usage(name, extra, `missing value for ${a}`);
      v = argv[++i];
    }
    const type = key in extra ? extra[key].type || 'string' : (['ops', 'every', 'port'].includes(key) ? 'int' : 'string');
    if (type === 'int' || type === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || (type === 'int' && !Number.isInteger(n))) {
        usage(name, extra, `bad value for ${a}: '${v}'`);
      }
      opts[key] = n;
    } else {
      opts[key] = v;
    }
  }
  if (opts.mode !== 'leak' && opts.mode !== 'fixed') usage(name, extra, `bad --mode '${opts.mode}' (leak|fixed)`);
  return opts;
}

function exitZero() {
  process.exit(0);
}

function writeSnapshotAndExit(file) {
  if (typeof global.gc === 'function') global.gc();
  v8.writeHeapSnapshot(file);
  process.exit(0);
}

// sample: { name, extra, setup(opts) -> state (may be async), settle(state) -> promise (optional, before --snapshot),
//           op(state) (one operation), info(state) -> extra fields for ready line / op answer }
async function run(sample) {
  const opts = parseArgs(sample.name, process.argv.slice(2), sample.extra || {});
  process.on('SIGTERM', exitZero);
  process.on('SIGINT', exitZero);

  const state = await sample.setup(opts);
  let total = 0;
  const doOps = (k) => { for (let i = 0; i < k; i++) { sample.op(state, total); total++; } };
  const info = () => (sample.info ? sample.info(state) : {});

  doOps(opts.ops);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (code, body) => {
      const s = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
      res.end(s);
    };
    try {
      if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
      if (url.pathname === '/op') {
        const raw = url.searchParams.get('n');
        const n = raw === null || raw === '' ? 1 : Number(raw);
        if (!Number.isInteger(n) || n < 0) return send(400, { error: `bad n '${raw}'` });
        doOps(n);
        return send(200, { ops: total, mode: opts.mode, ...info() });
      }
      if (url.pathname === '/memory') return send(200, JSON.stringify(process.memoryUsage()));
      if (url.pathname === '/snapshot') {
        // Several snapshots of one live process without the inspector: node ids stay stable across them.
        const raw = url.searchParams.get('file');
        if (!raw) return send(400, { error: "missing 'file'" });
        const file = path.resolve(raw);
        if (typeof global.gc === 'function') global.gc();
        v8.writeHeapSnapshot(file);
        return send(200, { file });
      }
      if (url.pathname === '/exit') {
        res.on('finish', () => process.exit(0));
        return send(200, { exiting: true });
      }
      return send(404, { error: 'not found', paths: ['/op?n=K', '/memory', '/snapshot?file=F', '/exit'] });
    } catch (e) {
      return send(500, { error: String(e && e.message || e) });
    }
  });
  server.on('error', (e) => {
    process.stderr.write(`${sample.name}: cannot listen on 127.0.0.1:${opts.port}: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(opts.port, '127.0.0.1', () => {
    if (opts.snapshot) {
      // From a fresh macrotask and a module-level function, so that the sample's state is
      // retained the way it is in a running service (through the server), not by this stack.
      // A sample's settle(state) may first wait for work its operations left on the thread pool.
      Promise.resolve(sample.settle ? sample.settle(state) : null)
        .then(() => setTimeout(writeSnapshotAndExit, 0, opts.snapshot));
      return;
    }
    const ready = { ready: true, pid: process.pid, port: server.address().port, mode: opts.mode, ops: total, ...info() };
    process.stdout.write(JSON.stringify(ready) + '\n');
    if (opts.every > 0) setInterval(doOps, opts.every, 1);
  });
}

module.exports = { run, parseArgs };
