'use strict';
// Remote services: GET /remote-services/ID/actions/ACTION describes one action
// of a registered remote service.  Services come from $STATE_DIR/services.json.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { findAction } = require('./remote-services');

function services() {
  const file = path.join(process.env.STATE_DIR || 'state', 'services.json');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

http.createServer((req, res) => {
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  const m = /^\/remote-services\/([\w-]+)\/actions\/([\w-]+)$/.exec(req.url);
  if (!m) return send(404, { error: 'not found' });
  try {
    const service = services()[m[1]];
    if (!service) return send(404, { error: 'no such service' });
    const action = findAction(service, m[2]);
    if (!action) return send(404, { error: 'no such action' });
    send(200, { service: m[1], action });
  } catch (err) {
    console.error('Error in express route', err.stack);
    send(500, { error: 'internal server error' });
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
