'use strict';
// A plain JS-heap leak: every operation registers a "request handler" closure in a
// long-lived Map. Each closure captures ~10 KB of ordinary JS data (an array of small
// objects with strings). In leak mode nobody removes the handlers; in fixed mode the
// handler is deleted once the operation is done.
const { run } = require('../lib/harness');

class RequestContext {
  constructor(id) {
    this.id = id;
    this.startedAt = Date.now();
    this.rows = [];
    for (let i = 0; i < 64; i++) {
      // ~64 rows x (object + ~100-char string) ~= 10 KB of JS heap
      this.rows.push({ index: i, key: `req-${id}-row-${i}`, payload: `${id}:${i}:`.padEnd(100, 'x') });
    }
  }
}

run({
  name: 'js-heap-leak',
  setup(opts) {
    return { mode: opts.mode, handlers: new Map() };
  },
  op(state, seq) {
    const ctx = new RequestContext(seq);
    const handler = function onRequestDone() { return ctx.rows.length; };
    state.handlers.set(`handler-${seq}`, handler);
    handler();
    if (state.mode === 'fixed') state.handlers.delete(`handler-${seq}`);
  },
  info(state) {
    return { handlers: state.handlers.size };
  },
});
