'use strict';
function split(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function plan(items, cfg) {
  const size = cfg.batch.size;
  const batches = split(items, size);
  return { total: items.length, batches: batches.length, first: batches[0] };
}

module.exports = { plan };
