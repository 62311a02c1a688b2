'use strict';
// Timers never cleared: each operation subscribes a client to a poller that refreshes its 64 KiB snapshot of the
// data every minute with setInterval. The subscription object (holding the buffer) is kept in the service's
// subscribers Map and by its interval's closure, which the timer list holds: the objects are retained twice,
// so their common dominator is the root. In fixed mode the subscription ends with clearInterval and is removed
// from the Map once the operation is done.
const { run } = require('../lib/harness');

class Subscription {
  constructor(id, bytes) {
    this.id = id;
    this.snapshot = Buffer.alloc(bytes, 7);
    this.refreshes = 0;
    this.timer = setInterval(() => { this.refreshes++; this.snapshot.fill(this.refreshes & 0xff); }, 60_000);
  }
}

run({
  name: 'timer-leak',
  extra: { kib: { arg: 'K', default: 64, type: 'int' } },
  setup(opts) {
    return { mode: opts.mode, bytes: opts.kib * 1024, subscribers: new Map(), seq: 0 };
  },
  op(state) {
    const sub = new Subscription(`sub-${state.seq++}`, state.bytes);
    state.subscribers.set(sub.id, sub);
    if (state.mode === 'fixed') {
      clearInterval(sub.timer);
      state.subscribers.delete(sub.id);
    }
  },
  info(state) {
    return { subscribers: state.subscribers.size, bufferBytes: state.bytes };
  },
});
