'use strict';
const counts = new Map();

function home(params, featured) {
  const source = params.get('ref').toLowerCase();
  counts.set(source, (counts.get(source) || 0) + 1);
  return { title: 'Welcome', featured: featured.slice(0, 3) };
}

module.exports = { home };
