'use strict';
function run(products, params) {
  const term = params.get('q').trim().toLowerCase();
  const hits = products.filter((p) => p.name.toLowerCase().includes(term));
  return { q: term, count: hits.length, results: hits.slice(0, 10) };
}

module.exports = { run };
