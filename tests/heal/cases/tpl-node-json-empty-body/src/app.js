'use strict';
// tpl-node-json-empty-body - order intake: POST /orders {"sku", "qty"}.
// PORT from the environment; a request that fails is answered 500 and its
// stack goes to standard error.
const http = require('node:http');

const PRICES = { A1: 9.5, B2: 4.25 };

function total(order) {
  return (PRICES[order.sku] || 0) * (order.qty || 1);
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    try {
      const order = JSON.parse(body);
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ total: total(order) }));
    } catch (err) {
      console.error(err.stack);
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal server error' }));
    }
  });
});

if (require.main === module) server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
module.exports = { total };
