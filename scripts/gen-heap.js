#!/usr/bin/env node
'use strict';
// Grows this process's heap to about a target snapshot size, then writes a heap snapshot.
//
//   node --max-old-space-size=8192 scripts/gen-heap.js --target-mb 300 --out FILE [--strings-mb N] [--seed S]
//   node --max-old-space-size=8192 scripts/gen-heap.js --target-mb 300 --serve [--out FILE] ...
//
// --serve keeps the process and its heap alive after building it (and writing --out, if given), for
// snapshots taken from outside (scripts/bench-capture): it listens on 127.0.0.1 (an ephemeral port) and prints
// one JSON line, the summary plus "ready": true, "pid" and "port". GET /write?file=F writes a heap snapshot
// with v8.writeHeapSnapshot(F) and answers {"file", "bytes", "millis"} (millis: the call alone);
// GET /exit exits. SIGUSR1 is left to Node, so `kill -USR1` opens the inspector as usual.
//
// The heap is a service-like object graph: class instances with several properties, arrays,
// Maps, closures with contexts, many distinct short strings, heap numbers, and ArrayBuffers /
// Buffers of varied sizes. Real Node services give ~3.2 edges per node and ~12.7 M nodes /
// 41 M edges per GB of snapshot; this generator aims at the same shape.
// --strings-mb N adds N MiB of long distinct strings (<= 1000 characters each, since V8
// truncates longer strings in snapshots to 1024 characters), for a string-heavy snapshot:
// e.g. --target-mb 800 --strings-mb 654 gives ~686 M characters in ~0.8 GB.
//
// Calibration: it builds a small batch of units, writes a throwaway snapshot, measures the
// bytes per unit, then extrapolates to the target. Prints a JSON summary on stdout.
const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');

function parse(argv) {
  const o = { targetMb: 300, out: null, stringsMb: 0, seed: 1, serve: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) die(`missing value for ${a}`); return argv[++i]; };
    if (a === '--target-mb') o.targetMb = Number(next());
    else if (a === '--out') o.out = next();
    else if (a === '--strings-mb') o.stringsMb = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--serve') o.serve = true;
    else if (a === '-h' || a === '--help') die(null);
    else die(`unknown argument '${a}'`);
  }
  if (!o.out && !o.serve) die('--out FILE is required (or --serve)');
  if (!(o.targetMb > 0) || !(o.stringsMb >= 0) || !Number.isFinite(o.seed)) die('bad number');
  return o;
}
function die(msg) {
  if (msg) process.stderr.write(`gen-heap: ${msg}\n`);
  process.stderr.write('usage: node [--max-old-space-size=MB] gen-heap.js --target-mb MB (--out FILE | --serve [--out FILE])'
    + ' [--strings-mb N] [--seed S]\n');
  process.exit(2);
}
const log = (m) => process.stderr.write(`gen-heap: ${m}\n`);
const MiB = 1024 * 1024;

const opts = parse(process.argv.slice(2));

// --- deterministic PRNG -----------------------------------------------------------------
let seed = (opts.seed * 2654435761) >>> 0 || 1;
function rnd() { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }

const WORDS = ('alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar ' +
  'papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu session user order cart item ' +
  'price token cache route handler request response error retry queue worker job task memory store').split(' ');
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

// --- the object graph -------------------------------------------------------------------
class Address { constructor(i) { this.street = `${rnd() % 9999} ${WORDS[rnd() % WORDS.length]} st`; this.zip = 10000 + (i % 89999); this.city = WORDS[i % WORDS.length]; } }
class User {
  constructor(i) {
    this.id = i;
    this.name = `user-${i}-${(rnd() % 1e6).toString(36)}`;
    this.email = `${this.name}@example.test`;
    this.balance = (rnd() % 1000000) / 100 + 0.5; // heap number
    this.address = new Address(i);
    this.roles = i % 3 === 0 ? ['admin', 'user'] : ['user'];
  }
}
class LineItem { constructor(sku, qty, price) { this.sku = sku; this.qty = qty; this.price = price; } }
class Order {
  constructor(i, user) {
    this.id = `ord-${i}`;
    this.user = user;
    this.createdAt = 1.7e12 + i * 1000.5; // heap number
    this.status = WORDS[rnd() % 8];
    this.items = [];
    const n = 1 + (rnd() % 4);
    for (let k = 0; k < n; k++) this.items.push(new LineItem(`sku-${rnd() % 50000}`, 1 + (rnd() % 5), (rnd() % 10000) / 100 + 0.01));
    this.tags = new Set([WORDS[rnd() % WORDS.length], WORDS[rnd() % WORDS.length]]);
  }
  total() { return this.items.reduce((s, it) => s + it.qty * it.price, 0); }
}
class Session {
  constructor(i, user) {
    this.sid = `s${i.toString(36)}${rnd().toString(36)}`;
    this.user = user;
    this.lastSeen = 1.7e12 + i * 33.25;
    this.headers = { method: METHODS[i % 5], path: `/api/${WORDS[i % WORDS.length]}/${i}`, agent: `agent/${i % 97}` };
    const self = this;
    let hits = 0;
    this.onRequest = function onRequest(req) { hits++; return self.sid + req + hits; }; // closure + context
    this.timer = { kind: 'timeout', ms: 1000 + (i % 5000), cb: () => self.lastSeen };
  }
}

const world = {
  users: [],
  usersById: new Map(),
  orders: [],
  sessions: new Map(),
  events: [],
  buffers: [],
  blobs: [],
  cacheByKey: Object.create(null),
};
let units = 0;
let bufferBytes = 0;

function addUnit() {
  const i = units++;
  const user = new User(i);
  world.users.push(user);
  world.usersById.set(user.id, user);
  const o = new Order(i, user);
  world.orders.push(o);
  const s = new Session(i, user);
  world.sessions.set(s.sid, s);
  if (i % 4 === 0) world.events.push([i, 'evt', `event ${WORDS[rnd() % WORDS.length]} ${i}`, o]);
  if (i % 8 === 0) world.cacheByKey[`k${i}`] = { value: o.total(), at: i * 1.5 };
  if (i % 64 === 0) {
    // Buffers and ArrayBuffers of varied sizes (pooled slices, unpooled, typed-array views)
    const kind = (i >> 6) % 4;
    let b;
    if (kind === 0) b = Buffer.from(`payload-${i}-${'x'.repeat(rnd() % 2000)}`);
    else if (kind === 1) b = Buffer.alloc(4096 + (rnd() % 65536));
    else if (kind === 2) b = new Float64Array(16 + (rnd() % 512));
    else b = new ArrayBuffer(1024 * (1 + (rnd() % 256)));
    bufferBytes += b.byteLength;
    world.buffers.push({ id: i, data: b });
  }
}

// Long distinct strings for --strings-mb: flat one-byte strings, 200..1000 characters.
let stringChars = 0;
function addStrings(targetChars) {
  const crypto = require('crypto');
  let chunk = [];
  while (stringChars < targetChars) {
    const len = 200 + (rnd() % 801);
    const hexLen = Math.max(16, len - 40);
    // "log line"-like: words plus a random hex body; unique by construction
    const s = `${stringChars.toString(36)} ${WORDS[rnd() % WORDS.length]} ${WORDS[rnd() % WORDS.length]} ` +
      crypto.randomBytes(hexLen >> 1).toString('hex');
    // Through a Buffer so the result is one flat sequential string: a cons or sliced
    // string would put its parts into the snapshot as separate strings too.
    const flat = Buffer.from(s.length > len ? s.slice(0, len) : s, 'latin1').toString('latin1');
    chunk.push(flat);
    stringChars += flat.length;
    if (chunk.length === 4096) { world.blobs.push(chunk); chunk = []; }
  }
  if (chunk.length) world.blobs.push(chunk);
}

function snapshotTo(file) {
  const t0 = Date.now();
  v8.writeHeapSnapshot(file);
  return { bytes: fs.statSync(file).size, seconds: (Date.now() - t0) / 1000 };
}

function countsOf(file) {
  // node_count / edge_count are in the first few hundred bytes of the snapshot
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(4096);
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const h = head.toString('latin1');
  const num = (k) => { const m = new RegExp(`"${k}":(\\d+)`).exec(h); return m ? Number(m[1]) : null; };
  return { nodes: num('node_count'), edges: num('edge_count') };
}

function main() {
  const target = opts.targetMb * MiB;
  const stringsTarget = Math.min(opts.stringsMb * MiB, target);
  const tmp = path.join(os.tmpdir(), `gen-heap-calib-${process.pid}.heapsnapshot`);

  // 1. calibrate: baseline, then a small batch of units
  // (about 30% of the units the graph part will need, at ~3 KB of snapshot per unit)
  const calibUnits = Math.max(200, Math.min(40000, Math.round(((target - stringsTarget) / MiB) * 100)));
  const base = snapshotTo(tmp).bytes;
  for (let k = 0; k < calibUnits; k++) addUnit();
  const calib = snapshotTo(tmp);
  fs.unlinkSync(tmp);
  const perUnit = (calib.bytes - base) / calibUnits;
  log(`calibration: baseline ${(base / MiB).toFixed(1)} MiB, ${calibUnits} units -> ${(calib.bytes / MiB).toFixed(1)} MiB, ` +
    `${perUnit.toFixed(0)} bytes/unit`);

  // 2. strings
  if (stringsTarget > 0) {
    addStrings(stringsTarget);
    log(`added ${stringChars} characters of long strings`);
  }
  // each string costs its characters plus ~80 bytes: its node, the edge to it, its entry in "strings"
  const stringBytes = stringChars + world.blobs.reduce((s, c) => s + c.length, 0) * 80;

  // 3. grow the graph to the target
  const want = Math.max(0, Math.round((target - base - stringBytes) / perUnit));
  while (units < want) addUnit();
  log(`built ${units} units (${(bufferBytes / MiB).toFixed(1)} MiB in buffers); ` +
    `heapUsed ${(process.memoryUsage().heapUsed / MiB).toFixed(0)} MiB` + (opts.out ? `; writing ${opts.out}` : ''));
  if (!opts.out) {
    serve({ targetMb: opts.targetMb, stringChars, units, node: process.version });
    return;
  }

  const out = snapshotTo(path.resolve(opts.out));
  const c = countsOf(opts.out);
  const summary = {
    file: path.resolve(opts.out),
    bytes: out.bytes,
    mib: Number((out.bytes / MiB).toFixed(1)),
    targetMb: opts.targetMb,
    nodes: c.nodes,
    edges: c.edges,
    edgesPerNode: c.nodes ? Number((c.edges / c.nodes).toFixed(2)) : null,
    nodesPerGB: c.nodes ? Math.round((c.nodes / out.bytes) * 1e9) : null,
    edgesPerGB: c.edges ? Math.round((c.edges / out.bytes) * 1e9) : null,
    stringChars,
    units,
    writeSeconds: out.seconds,
    node: process.version,
  };
  if (opts.serve) {
    serve(summary);
    return;
  }
  process.stdout.write(JSON.stringify(summary) + '\n');
}

// --serve: the heap stays referenced from `world` while the server runs.
function serve(summary) {
  const http = require('http');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body) + '\n');
    };
    if (url.pathname === '/write') {
      const file = url.searchParams.get('file');
      if (!file) return send(400, { error: "missing 'file'" });
      try {
        const t0 = process.hrtime.bigint();
        v8.writeHeapSnapshot(path.resolve(file));
        const millis = Number(process.hrtime.bigint() - t0) / 1e6;
        return send(200, { file: path.resolve(file), bytes: fs.statSync(path.resolve(file)).size, millis });
      } catch (e) {
        return send(500, { error: e.message });
      }
    }
    if (url.pathname === '/exit') {
      send(200, { exiting: true });
      return setImmediate(() => process.exit(0));
    }
    return send(404, { error: `no ${url.pathname}` });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ ready: true, pid: process.pid, port: server.address().port, ...summary })
      + '\n');
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

main();
