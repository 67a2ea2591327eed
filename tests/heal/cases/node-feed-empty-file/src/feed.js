'use strict';
// News feed: GET /feed answers the items a cron job writes to
// $STATE_DIR/feed.json.  Plain node:http, one handler.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

function readFeed() {
  const text = fs.readFileSync(path.join(process.env.STATE_DIR || 'state', 'feed.json'), 'utf8');
  return JSON.parse(text);
}

http.createServer((req, res) => {
  if (req.url !== '/feed') {
    res.writeHead(404).end();
    return;
  }
  try {
    const feed = readFeed();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ items: feed.items.slice(0, 20) }));
  } catch (err) {
    console.error(err.stack);
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{"error":"internal server error"}');
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
