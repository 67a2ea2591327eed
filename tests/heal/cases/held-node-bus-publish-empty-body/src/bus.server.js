'use strict';
// A message bus: POST /publish {"channel", "data"} queues a message for a
// channel's subscribers; GET /channels lists the channels.  Plain node:http,
// no framework: the body is parsed when the request ends.
const http = require('node:http');
const { Bus } = require('./bus');

const bus = new Bus(['news', 'orders']);

http.createServer((req, res) => {
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (req.method === 'GET' && req.url === '/channels') return send(200, { channels: bus.channels() });
  if (req.method !== 'POST' || req.url !== '/publish') return send(404, { error: 'not found' });
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const msg = JSON.parse(body);
    send(200, bus.publish(msg.channel, msg.data));
  });
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
