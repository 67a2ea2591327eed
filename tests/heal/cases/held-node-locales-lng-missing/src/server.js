'use strict';
// Translation resources: GET /locales/resources.json?lng=LANGS&ns=NAMESPACES
// answers the resources of each language and namespace (space-separated).
const http = require('node:http');
const { resources } = require('./store');

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const query = Object.fromEntries(url.searchParams);
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (url.pathname !== '/locales/resources.json') return send(404, { error: 'not found' });
  try {
    const languages = query.lng.split(' ');
    const namespaces = query.ns ? query.ns.split(' ') : ['translation'];
    send(200, resources(languages, namespaces));
  } catch (err) {
    console.error(err.stack);
    send(500, { error: 'internal server error' });
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
