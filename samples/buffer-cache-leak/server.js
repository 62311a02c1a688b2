'use strict';
// Buffers kept in a long-lived collection, one per operation: the "cache that only grows" every Node service
// has written once. --container picks the collection, since each one shows in a heap snapshot as a different
// chain near the bytes (see shared/context/leak-shapes.md):
//   map      cache.set(uuid, buf)             ← <n> in (table) ← table in Map
//   set      cache.add(buf)                   ← <n> in (table) ← table in Set
//   weakmap  cache.set(keyObj, buf), the key kept in an array elsewhere: an ephemeron edge naming both ids
//   object   cache[uuid] = buf                ← <uuid> in Object: a property whose name is the key
//   rows     rows[r][c] = new Float64Array    ← [c] in Array ← [r] in Array
//   array    list.push(buf)                   ← [i] in Array
// In fixed mode each operation's buffer is dropped once the operation is done (deleted, or not kept).
const crypto = require('crypto');
const { run } = require('../lib/harness');

const CONTAINERS = ['map', 'set', 'weakmap', 'object', 'rows', 'array'];
const ROW_WIDTH = 4;

/** The cache as the service keeps it, on an object of its own so that the chain names it. */
class ResponseCache {
  constructor(container) {
    this.container = container;
    this.entries = container === 'map' || container === 'weakmap' ? (container === 'map' ? new Map() : new WeakMap())
      : container === 'set' ? new Set() : container === 'object' ? {} : [];
    this.keys = []; // the weakmap's keys: held here, so their values stay alive
    this.size = 0;
    this.bytes = 0;
  }

  add(buf) {
    const key = crypto.randomUUID();
    switch (this.container) {
      case 'map': this.entries.set(key, buf); break;
      case 'set': this.entries.add(buf); break;
      case 'weakmap': { const k = { key }; this.keys.push(k); this.entries.set(k, buf); break; }
      case 'object': this.entries[key] = buf; break;
      case 'rows': {
        if (this.size % ROW_WIDTH === 0) this.entries.push([]);
        this.entries[this.entries.length - 1].push(buf);
        break;
      }
      default: this.entries.push(buf);
    }
    this.size++;
    this.bytes += buf.byteLength;
  }
}

run({
  name: 'buffer-cache-leak',
  extra: {
    container: { arg: CONTAINERS.join('|'), default: 'map' },
    'kib': { arg: 'K', default: 256, type: 'int' },
  },
  setup(opts) {
    if (!CONTAINERS.includes(opts.container)) {
      process.stderr.write(`buffer-cache-leak: bad --container '${opts.container}' (${CONTAINERS.join('|')})\n`);
      process.exit(2);
    }
    return { mode: opts.mode, bufferBytes: opts.kib * 1024, cache: new ResponseCache(opts.container) };
  },
  op(state) {
    // A rendered response: its own ArrayBuffer (not pooled), filled so it is really resident.
    const body = state.cache.container === 'rows' ? new Float64Array(state.bufferBytes / 8) : Buffer.alloc(state.bufferBytes, 1);
    if (state.cache.container === 'rows') body.fill(1);
    if (state.mode === 'leak') state.cache.add(body);
  },
  info(state) {
    return { container: state.cache.container, cached: state.cache.size, bufferBytes: state.bufferBytes };
  },
});
