'use strict';
// An RPC server: POST /SERVICE/METHOD with a JSON request answers the
// method's JSON response.  Every request field is optional (see services.js).
const http = require('node:http');
const services = require('./services');

http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const send = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const [, service, method] = req.url.split('/');
    const fn = services[service] && services[service][method];
    if (req.method !== 'POST' || !fn) return send(404, { error: 'no such method' });
    try {
      const request = JSON.parse(body);
      send(200, fn(request));
    } catch (err) {
      console.error(err.stack);
      send(500, { error: 'internal server error' });
    }
  });
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
