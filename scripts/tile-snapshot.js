#!/usr/bin/env node
'use strict';
// Writes K copies of a real heap snapshot's graph as one snapshot, under one root: a snapshot larger than a
// process on this machine can write (V8 needs several times its heap to write one), with a real heap's structure,
// unlike gen-synthetic.js's random edges.
//
//   node scripts/tile-snapshot.js --in FILE --copies K --out FILE
//
// The root (node 0) is kept once and gets K copies of its edges, the k-th pointing into the k-th copy; every other
// node and edge is written K times, with to_node moved to its copy and ids moved past the previous copy's. The
// strings are shared; what follows the edges (trace data, samples, locations, strings) is copied as it is, so
// locations still name nodes of the first copy. An analysis of the result finds K times the original's nodes
// (but the root), edges, self sizes and backing stores, and each group of backing stores K times as large.
// Streams: memory stays small whatever the file's size. Prints a JSON summary (nodes, edges, bytes).
const fs = require('fs');

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : null; };
const input = opt('--in');
const out = opt('--out');
const K = Number(opt('--copies'));
if (!input || !out || !(Number.isInteger(K) && K >= 1)) {
  console.error('usage: tile-snapshot.js --in FILE --copies K --out FILE');
  process.exit(2);
}
const part = `${out}.part`; // written there, renamed to --out when complete
const die = (message) => {
  console.error(`tile-snapshot: ${message}`);
  fs.rmSync(part, { force: true });
  process.exit(3);
};

const fd = fs.openSync(input, 'r');
const size = fs.fstatSync(fd).size;

// Finds `needle` (ASCII) at or after `from`; the number arrays hold no quotes, so a key cannot hide inside them.
function find(needle, from) {
  const chunk = Buffer.alloc(1 << 20);
  const n = Buffer.from(needle);
  for (let at = from; at < size; at += chunk.length - n.length) {
    const got = fs.readSync(fd, chunk, 0, chunk.length, at);
    const i = chunk.subarray(0, got).indexOf(n);
    if (i >= 0) return at + i;
    if (got < chunk.length) break;
  }
  return die(`no ${needle} in ${input}`);
}

// The header: the "snapshot" object, read whole (it is small) and parsed.
const nodesKey = find('"nodes":[', 0);
const headText = Buffer.alloc(nodesKey);
fs.readSync(fd, headText, 0, nodesKey, 0);
const head = JSON.parse(headText.toString('utf8').replace(/,\s*$/, '') + '}');
const meta = head.snapshot.meta;
const F = meta.node_fields.length;
const EF = meta.edge_fields.length;
const N = head.snapshot.node_count;
const M = head.snapshot.edge_count;
const idAt = meta.node_fields.indexOf('id');
const edgeCountAt = meta.node_fields.indexOf('edge_count');
const toAt = meta.edge_fields.indexOf('to_node');
if ((head.snapshot.root_index || 0) !== 0) die('the root is not node 0');
const edgesKey = find('"edges":[', nodesKey);
const restKey = find('"trace_function_infos":', edgesKey);

// Calls onNumber(value) for each number of the array whose '[' is at `bracket`, up to its ']', or until onNumber
// returns false.
function eachNumber(bracket, onNumber) {
  const chunk = Buffer.alloc(16 << 20);
  let at = bracket + 1;
  let v = -1;
  for (;;) {
    const got = fs.readSync(fd, chunk, 0, chunk.length, at);
    if (got === 0) die('the file ends inside an array');
    for (let i = 0; i < got; i++) {
      const c = chunk[i];
      if (c >= 48 && c <= 57) {
        v = v < 0 ? c - 48 : v * 10 + (c - 48);
      } else {
        if (v >= 0 && onNumber(v) === false) return;
        v = -1;
        if (c === 0x5d) return;
      }
    }
    at += got;
  }
}

const outFd = fs.openSync(part, 'w', 0o600);
const outBuf = Buffer.alloc(16 << 20);
let outLen = 0;
let written = 0;
function write(text) {
  if (outLen + text.length * 3 > outBuf.length) flush();
  outLen += outBuf.write(text, outLen, 'latin1');
}
function flush() {
  fs.writeSync(outFd, outBuf, 0, outLen);
  written += outLen;
  outLen = 0;
}

// The root's own edges: the first rootEdges of the edges array.
let rootEdges = -1;
let maxId = 0;
{
  let field = 0;
  let record = 0;
  eachNumber(nodesKey + 8, (v) => {
    if (record === 0 && field === edgeCountAt) rootEdges = v;
    if (field === idAt && v > maxId) maxId = v;
    if (++field === F) { field = 0; record++; }
  });
}
const outNodes = 1 + K * (N - 1);
const outEdges = K * M;
const idStride = maxId + 2; // even, so that an id keeps its parity
// V8's ids are unsigned 32-bit, and leakhunt refuses a larger one: no copy may move an id past 2^32 - 1
if ((K - 1) * idStride + maxId > 0xFFFFFFFF) {
  die(`${K} copies would move ids past 2^32 - 1 (the largest id is ${maxId}): at most ${Math.floor((0xFFFFFFFF - maxId) / idStride) + 1} copies`);
}
const node = (k, i) => (i === 0 ? 0 : 1 + k * (N - 1) + (i - 1));

head.snapshot.node_count = outNodes;
head.snapshot.edge_count = outEdges;
write(JSON.stringify(head).slice(0, -1) + ',\n"nodes":[');
let first = true; // of the array being written
const put = (field, x) => {
  write((first ? '' : field === 0 ? '\n,' : ',') + x);
  first = false;
};
for (let k = 0; k < K; k++) {
  let field = 0;
  let record = 0;
  eachNumber(nodesKey + 8, (v) => {
    if (record === 0 && k === 0) {
      put(field, field === edgeCountAt ? v * K : v);
    } else if (record !== 0) {
      put(field, field === idAt ? v + k * idStride : v);
    }
    if (++field === F) {
      field = 0;
      record++;
    }
  });
}
write('],\n"edges":[');
first = true;
// The root's edges, K times, then every other edge K times; an edge's to_node moves to its copy.
const root = [];
eachNumber(edgesKey + 8, (v) => {
  root.push(v);
  return root.length < rootEdges * EF;
});
for (let k = 0; k < K; k++) {
  root.forEach((v, i) => put(i % EF, i % EF === toAt ? node(k, v / F) * F : v));
}
for (let k = 0; k < K; k++) {
  let field = 0;
  let edge = 0;
  eachNumber(edgesKey + 8, (v) => {
    if (edge >= rootEdges) {
      put(field, field === toAt ? node(k, v / F) * F : v);
    }
    if (++field === EF) {
      field = 0;
      edge++;
    }
  });
}
write('],\n');
flush();
// The rest as it is.
{
  const chunk = Buffer.alloc(16 << 20);
  for (let at = restKey; at < size;) {
    const got = fs.readSync(fd, chunk, 0, chunk.length, at);
    fs.writeSync(outFd, chunk, 0, got);
    written += got;
    at += got;
  }
}
fs.closeSync(outFd);
fs.renameSync(part, out);
console.log(JSON.stringify({ copies: K, nodes: outNodes, edges: outEdges, bytes: written }));
