// Node 20 lacks Map.groupBy / Object.groupBy (Node 21+), which Vitest 5's reporter uses when it
// prints failures. Loaded by vitest.config.ts, so it runs in Vitest's main process.
if (typeof Map.groupBy !== 'function') {
  Map.groupBy = function groupBy(items, key) {
    const m = new Map();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      const list = m.get(k);
      if (list) list.push(item);
      else m.set(k, [item]);
    }
    return m;
  };
}
if (typeof Object.groupBy !== 'function') {
  Object.groupBy = function groupBy(items, key) {
    const o = Object.create(null);
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      (o[k] ??= []).push(item);
    }
    return o;
  };
}
