'use strict';
// Recent orders: GET /recent?n=N answers the last N orders of
// $STATE_DIR/orders.json (default 3).
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const last = require('./array-last');

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (url.pathname !== '/recent') return send(404, { error: 'not found' });
  try {
    const orders = JSON.parse(fs.readFileSync(path.join(process.env.STATE_DIR || 'state', 'orders.json'), 'utf8'));
    const n = Number(url.searchParams.get('n') || 3);
    send(200, { orders: last(orders, n) });
  } catch (err) {
    console.error(err.stack);
    send(500, { error: 'internal server error' });
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
