'use strict';
// zlib streams never ended: each operation opens a gzip stream for a client's response log, writes to it, and
// keeps it in the open-streams Map without ever calling end()/destroy(). Each stream holds its deflate state in
// native memory outside the ArrayBuffers (a 'Node / zlib_memory' node of about 270 KiB in the snapshot; not in
// process.memoryUsage().external), and the stream is also held by its native handle. In fixed mode the stream is
// ended and removed once its data is flushed.
const zlib = require('zlib');
const { run } = require('../lib/harness');

class LogShipper {
  constructor() {
    this.open = new Map();
    this.written = 0;
  }
}

run({
  name: 'zlib-stream-leak',
  setup(opts) {
    return { mode: opts.mode, shipper: new LogShipper(), seq: 0, pending: [] };
  },
  settle(state) {
    return Promise.all(state.pending.splice(0));
  },
  op(state) {
    const id = `client-${state.seq++}`;
    const gz = zlib.createGzip({ level: 6 });
    gz.on('data', (chunk) => { state.shipper.written += chunk.length; });
    // The write runs on the thread pool, which allocates the deflate state: --snapshot waits for it (settle).
    state.pending.push(new Promise((resolve) => gz.write(`log line for ${id}\n`.repeat(64), resolve)));
    state.shipper.open.set(id, gz);
    if (state.mode === 'fixed') {
      gz.end();
      state.shipper.open.delete(id);
      gz.destroy();
    }
  },
  info(state) {
    return { open: state.shipper.open.size };
  },
});
