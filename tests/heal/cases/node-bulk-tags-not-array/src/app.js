'use strict';
// Bulk tagging: POST /tag {"ids": [...], "tags": [...]} tags the products.
const http = require('node:http');
const { normalize } = require('./tags');

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const send = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (req.method !== 'POST' || req.url !== '/tag') return send(404, { error: 'not found' });
    try {
      const input = JSON.parse(body || '{}');
      send(200, { tagged: input.ids.length, tags: normalize(input.tags) });
    } catch (err) {
      console.error(err.stack);
      send(500, { error: 'internal server error' });
    }
  });
});
server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
