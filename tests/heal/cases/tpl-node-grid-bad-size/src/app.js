'use strict';
// tpl-node-grid-bad-size - GET /grid?n=N: N free seats.  PORT from the
// environment; a request that fails is answered 500 and its stack goes to
// standard error.
const http = require('node:http');

const server = http.createServer((req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    const n = Number(url.searchParams.get('n'));
    const seats = new Array(n).fill('free');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ seats }));
  } catch (err) {
    console.error(err.stack);
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'internal server error' }));
  }
});

if (require.main === module) server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
module.exports = { server };
