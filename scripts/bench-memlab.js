#!/usr/bin/env node
'use strict';
// Loads a .heapsnapshot with memlab 2.0.5 (getFullHeapFromFile: parse, dominators, retained
// sizes), the reference leakhunt is benchmarked against. Prints one JSON line on stdout.
//
//   node --max-old-space-size=16384 scripts/bench-memlab.js FILE [MODULES_DIR]
//
// MODULES_DIR is where memlab is installed (default: $LEAKHUNT_BENCH_DIR, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/leakhunt-bench); scripts/bench installs it there.
const path = require('path');
const os = require('os');

const file = process.argv[2];
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: node [--max-old-space-size=MB] bench-memlab.js FILE [MODULES_DIR]\n');
  process.exit(2);
}
const dir = process.argv[3] || process.env.LEAKHUNT_BENCH_DIR ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'leakhunt-bench');

let heapAnalysis;
try {
  heapAnalysis = require(require.resolve('@memlab/heap-analysis', { paths: [dir] }));
} catch (e) {
  process.stderr.write(`bench-memlab: memlab not found under ${dir} (PUPPETEER_SKIP_DOWNLOAD=1 npm install memlab@2.0.5 there): ${e.message}\n`);
  process.exit(3);
}

(async () => {
  const t0 = process.hrtime.bigint();
  const heap = await heapAnalysis.getFullHeapFromFile(path.resolve(file));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // A little real use of the result, so nothing is left lazy: the native ArrayBuffer bytes
  // and the largest retained size among them.
  let nodes = 0, arrayBufferBytes = 0, arrayBuffers = 0;
  heap.nodes.forEach((node) => {
    nodes++;
    if (node.name === 'system / JSArrayBufferData') { arrayBuffers++; arrayBufferBytes += node.self_size; }
  });
  process.stdout.write(JSON.stringify({
    tool: 'memlab', version: '2.0.5', file: path.resolve(file), seconds: Number(seconds.toFixed(2)),
    nodes, edges: heap.edges.length, arrayBuffers, arrayBufferBytes,
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
  }) + '\n');
})().catch((e) => {
  process.stderr.write(`bench-memlab: ${e && e.stack || e}\n`);
  process.exit(1);
});
