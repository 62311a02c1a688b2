#!/usr/bin/env node
'use strict';
// How much slower V8 runs while it tracks allocations (snapshot --track-allocations): the same allocation-heavy
// work for --ms each, untracked and tracked (HeapProfiler.startTrackingHeapObjects {trackAllocations: true}, as
// leakhunt asks over the inspector), alternately for --rounds. Prints operations per second and the ratio.
//   node scripts/tracking-cost.js [--ms 2000] [--rounds 3]
const inspector = require('inspector');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const MS = opt('--ms', 2000);
const ROUNDS = opt('--rounds', 3);

const kept = [];
function op(i) {
  // what a request handler allocates: a parsed body, a few strings, a small Buffer, a closure
  const body = { id: i, name: `user-${i}`, tags: ['a', 'b', String(i % 7)], at: Date.now() };
  const line = JSON.stringify(body);
  const buf = Buffer.from(line);
  const parsed = JSON.parse(buf.toString());
  kept.push(() => parsed.id);
  if (kept.length > 10000) kept.length = 0;
  return parsed.tags.length;
}

function run(ms) {
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  let n = 0;
  while (process.hrtime.bigint() < end) {
    for (let k = 0; k < 100; k++) op(n++);
  }
  return n * 1000 / ms;
}

const session = new inspector.Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) =>
  session.post(method, params || {}, (err, res) => (err ? reject(err) : resolve(res))));

(async () => {
  await post('HeapProfiler.enable');
  run(500); // warm up
  const plain = [];
  const tracked = [];
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(run(MS));
    await post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    tracked.push(run(MS));
    await post('HeapProfiler.disable');
    await post('HeapProfiler.enable');
  }
  const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  const p = median(plain);
  const t = median(tracked);
  console.log(`node ${process.version}: untracked ${Math.round(p)} ops/s, tracked ${Math.round(t)} ops/s `
    + `(median of ${ROUNDS} × ${MS} ms): ${(p / t).toFixed(1)}× slower while tracked`);
  session.disconnect();
})();
