'use strict';
// A Buffer pool-slab leak. Small Buffers made by Buffer.from(string) / Buffer.allocUnsafe(n)
// (n < Buffer.poolSize / 2) are views into a shared 8 KiB pool slab (an ArrayBuffer).
// Every operation here "parses" 64 messages of 256 bytes (two slabs' worth) and keeps
// only an 8-byte id header of every 16th message in a long-lived array. In leak mode the
// kept header is a subarray() view, so it keeps its whole 8 KiB slab alive: each
// operation pins 16 KiB of native memory to keep 32 bytes. In fixed mode the header is
// copied into its own unpooled Buffer (Buffer.allocUnsafeSlow), so the slabs can be freed.
const { run } = require('../lib/harness');

const MESSAGES_PER_OP = 64;
const MESSAGE_BYTES = 256;
const KEEP_EVERY = 16;
const HEADER_BYTES = 8;

function message(seq, i) {
  const head = `${(seq * MESSAGES_PER_OP + i).toString(16).padStart(HEADER_BYTES, '0')}`;
  return (head + `|op=${seq}|msg=${i}|`).padEnd(MESSAGE_BYTES, '.');
}

run({
  name: 'buffer-slab-leak',
  setup(opts) {
    return { mode: opts.mode, headers: [] };
  },
  op(state, seq) {
    for (let i = 0; i < MESSAGES_PER_OP; i++) {
      const buf = (i & 1) ? Buffer.allocUnsafe(MESSAGE_BYTES) : Buffer.from(message(seq, i), 'latin1');
      if (i & 1) buf.write(message(seq, i), 'latin1');
      if (i % KEEP_EVERY !== 0) continue;
      const header = buf.subarray(0, HEADER_BYTES);
      if (state.mode === 'leak') {
        state.headers.push(header); // a view: retains the whole pool slab
      } else {
        const copy = Buffer.allocUnsafeSlow(HEADER_BYTES); // own, exact-size ArrayBuffer
        header.copy(copy);
        state.headers.push(copy);
      }
    }
  },
  info(state) {
    const slabs = new Set();
    for (const h of state.headers) slabs.add(h.buffer);
    let slabBytes = 0;
    for (const ab of slabs) slabBytes += ab.byteLength;
    return { kept: state.headers.length, keptBytes: state.headers.length * HEADER_BYTES, buffers: slabs.size, bufferBytes: slabBytes };
  },
});
