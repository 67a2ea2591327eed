'use strict';

// The accounts sorted by a field (default: _id; "-field" descending), first limit of them.
function pagedFind(all, sort = '_id', limit = 20) {
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  const data = [...all].sort((a, b) => (a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : 0));
  if (desc) data.reverse();
  return { data: data.slice(0, limit), items: { total: all.length } };
}

module.exports = { pagedFind };
