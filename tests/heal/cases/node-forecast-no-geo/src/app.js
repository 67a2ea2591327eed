'use strict';
// node-forecast-no-geo - a forecast page that links to a map of the place
//
// Configuration from the environment: PORT, STATE_DIR (the service's data
// files).  A request that fails is answered 500 and its stack
// goes to standard error, as most services do.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const lib = require('./geo');

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(process.env.STATE_DIR || 'state', name), 'utf8'));
}

async function route(method, url, headers, raw) {
  if (method === 'GET' && url.pathname === '/map') return [200, lib.mapLink(load('place.json'))];
  return [404, { error: 'not found' }];
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const url = new URL(req.url, 'http://localhost');
    let status;
    let obj;
    try {
      [status, obj] = await route(req.method, url, req.headers, Buffer.concat(chunks).toString());
    } catch (err) {
      console.error(err.stack);
      status = 500;
      obj = { error: 'internal server error' };
    }
    const body = JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
