'use strict';
// Page action: POST /preview {"path", "ref"} answers the preview of a page.
// The body-data wrapper parses the JSON body before the action runs.
const http = require('node:http');
const { bodyData } = require('./body-data-wrapper');
const { preview } = require('./preview');

http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    const send = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (req.method !== 'POST' || req.url !== '/preview') return send(404, { error: 'not found' });
    try {
      const data = JSON.parse(raw);
      send(200, preview(bodyData(data)));
    } catch (err) {
      console.error(err.stack);
      send(500, { error: err.message });
    }
  });
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
