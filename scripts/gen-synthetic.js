#!/usr/bin/env node
'use strict';
// Streams a synthetic Node 20-format heap snapshot of any size without building a heap: for scale tests where a
// real process cannot make the file (V8 needs several times its heap to write a 4 GB snapshot).
//
//   node scripts/gen-synthetic.js --nodes N --out FILE [--seed S] [--near-edges K] [--huge-node-bytes B]
//
// The graph: the root holds (GC roots) and a global object; node k holds nodes 2k-1 and 2k (a binary tree, so
// everything is reachable) and two pseudo-random others; every 1000th node is an ArrayBuffer holding a
// 64 KiB backing store. About 3.2 edges per node, as in real snapshots.
// For the limits of the format (scripts/limits-check): --near-edges K gives every object K more element edges
// to the objects after it (few nodes, very many edges: an edges array of more than 2^31 numbers fits in a
// file of ~10 GB and a heap of ~12 GB), and --huge-node-bytes B gives node 3 a self size of B (above 4 GiB).
// Prints a JSON summary with the totals an analysis must find: nodes, edges, the sum of self sizes, the
// backing stores (count and size).
const fs = require('fs');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const N = Number(opt('--nodes', 1000000));
const out = opt('--out', null);
let seed = Number(opt('--seed', 1)) >>> 0;
const NEAR = Number(opt('--near-edges', 0));
const HUGE = Number(opt('--huge-node-bytes', 0));
if (!out || !(N >= 10) || !(NEAR >= 0 && NEAR < 60000) || !(HUGE >= 0)) {
  console.error('usage: gen-synthetic.js --nodes N --out FILE [--seed S] [--near-edges K] [--huge-node-bytes B]');
  process.exit(2);
}

const strings = ['', '(GC roots)', 'global', 'ArrayBuffer', 'system / JSArrayBufferData',
  'left', 'right', 'other', 'backing_store', 'Object', 'Array', 'Foo', 'Bar'];
const S = Object.fromEntries(strings.map((s, i) => [s, i]));
const T = { synthetic: 9, object: 3, native: 8 };
const E = { element: 1, property: 2, internal: 3 };
const FIELDS = 7;
const rnd = () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed; };

// node 0 root, 1 (GC roots), 2 global; tree nodes from 2 on: node k's tree children are 2k-1 and 2k (k >= 2)
function kind(i) {
  if (i === 0) return 'root';
  if (i === 1) return 'gcroots';
  if (i >= 3 && i % 1000 === 999) return 'store';
  if (i >= 3 && i % 1000 === 998) return 'buffer';
  return 'object';
}
function children(i) {
  const c = [];
  if (kind(i) === 'store') return c;
  if (kind(i) === 'buffer') c.push([E.internal, S.backing_store, i + 1]);
  if (i === 0) { c.push([E.element, 1, 1]); c.push([E.element, 2, 2]); return c; }
  if (i === 1) { c.push([E.element, 1, 2]); return c; }
  const a = 2 * i - 1, b = 2 * i;
  if (a < N && kind(a) !== 'store') c.push([E.property, S.left, a]);
  if (b < N && kind(b) !== 'store') c.push([E.property, S.right, b]);
  for (let k = 0; k < 2; k++) {
    const r = 2 + (rnd() % (N - 2));
    if (kind(r) !== 'store') c.push([E.property, S.other, r]);
  }
  if (kind(i) === 'object') {
    for (let k = 1; k <= NEAR; k++) {
      const r = 3 + (i + k - 3) % (N - 3);
      if (kind(r) === 'object') c.push([E.element, k, r]);
    }
  }
  return c;
}

const fd = fs.openSync(out, 'w', 0o600);
let buf = '';
const flush = (force) => { if (force || buf.length > (1 << 22)) { fs.writeSync(fd, buf); buf = ''; } };

// counting pass for edge_count (the same pseudo-random sequence is replayed below)
const seed0 = seed;
let edgeCount = 0;
for (let i = 0; i < N; i++) edgeCount += children(i).length;
seed = seed0;

buf += '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],'
  + '"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],'
  + '"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]},'
  + `"node_count":${N},"edge_count":${edgeCount},"trace_function_count":0},\n"nodes":[`;
let selfBytes = 0;
let stores = 0;
for (let i = 0; i < N; i++) {
  const k = kind(i);
  const c = children(i);
  let type, name, size;
  if (k === 'root') { type = T.synthetic; name = S['']; size = 0; }
  else if (k === 'gcroots') { type = T.synthetic; name = S['(GC roots)']; size = 0; }
  else if (k === 'store') { type = T.native; name = S['system / JSArrayBufferData']; size = 65536; }
  else if (k === 'buffer') { type = T.object; name = S.ArrayBuffer; size = 80; }
  else { type = T.object; name = i === 2 ? S.global : S.Object + (i % 4); size = i === 3 && HUGE ? HUGE : 16 + (i % 200); }
  selfBytes += size;
  if (k === 'store') stores++;
  buf += (i ? ',\n' : '') + type + ',' + name + ',' + (2 * i + 1) + ',' + size + ',' + c.length + ',0,0';
  flush(false);
}
buf += '],\n"edges":[';
seed = seed0;
let first = true;
for (let i = 0; i < N; i++) {
  for (const [t, n, to] of children(i)) {
    buf += (first ? '' : ',\n') + t + ',' + n + ',' + to * FIELDS;
    first = false;
  }
  flush(false);
}
buf += '],\n"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],\n"strings":['
  + strings.map((s) => JSON.stringify(s)).join(',\n') + ']}\n';
flush(true);
fs.closeSync(fd);
console.log(JSON.stringify({ file: out, nodes: N, edges: edgeCount, edgeNumbers: edgeCount * 3,
  bytes: fs.statSync(out).size, selfBytes, stores, storeBytes: 65536 }));
