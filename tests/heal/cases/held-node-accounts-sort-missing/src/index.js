'use strict';
// Accounts list: GET /api/accounts?sort=FIELD&limit=N answers the accounts,
// sorted (a leading "-" sorts descending).  Accounts: $STATE_DIR/accounts.json.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { pagedFind } = require('./accounts');

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const query = Object.fromEntries(url.searchParams);
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (url.pathname !== '/api/accounts') return send(404, { error: 'not found' });
  try {
    const all = JSON.parse(fs.readFileSync(path.join(process.env.STATE_DIR || 'state', 'accounts.json'), 'utf8'));
    const sort = query.sort.trim();
    const limit = Number(query.limit || 20);
    send(200, pagedFind(all, sort, limit));
  } catch (err) {
    console.error(err.stack);
    send(500, { error: 'internal server error' });
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
