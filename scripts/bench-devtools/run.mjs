#!/usr/bin/env node
// Loads a .heapsnapshot with Chrome DevTools' own heap snapshot engine, run in Node by heap-snapshot-toolkit 1.1.3
// (DevTools' HeapSnapshotLoader and HeapSnapshot: parse, retainers, distances, dominators, retained sizes), the
// fastest peer leakhunt is benchmarked against. Prints one JSON line on stdout.
//
//   node --max-old-space-size=16384 scripts/bench-devtools/run.mjs FILE [MODULES_DIR]
//
// MODULES_DIR holds node_modules/heap-snapshot-toolkit (scripts/bench installs it there with npm ci from this
// folder's package.json and package-lock.json).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: node [--max-old-space-size=MB] run.mjs FILE [MODULES_DIR]\n');
  process.exit(2);
}
const dir = process.argv[3] || path.dirname(new URL(import.meta.url).pathname);
let toolkit;
try {
  const entry = createRequire(path.join(dir, 'package.json')).resolve('heap-snapshot-toolkit');
  toolkit = await import(pathToFileURL(entry).href);
} catch (e) {
  process.stderr.write(`bench-devtools: heap-snapshot-toolkit not found under ${dir} (npm ci there): ${e.message}\n`);
  process.exit(3);
}
const t0 = process.hrtime.bigint();
const snapshot = await toolkit.parse(fs.createReadStream(path.resolve(file)));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
// A little real use of the result: the totals and the class summary DevTools' Summary view shows
const stats = await snapshot.getStatistics();
const aggregates = await snapshot.aggregatesWithFilter({});
process.stdout.write(JSON.stringify({
  tool: 'devtools', version: 'heap-snapshot-toolkit 1.1.3', file: path.resolve(file),
  seconds: Number(seconds.toFixed(2)), nodes: snapshot.nodeCount, totalSize: stats.total,
  classes: Object.keys(aggregates).length, heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
}) + '\n');
process.exit(0);
