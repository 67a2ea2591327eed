'use strict';
// The home page data: GET / answers the site's title, the latest news and
// the players online.  A cron job writes the news to $STATE_DIR/news.json.
const http = require('node:http');
const { homeData } = require('./routes/middleware');

http.createServer((req, res) => {
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (req.url !== '/') return send(404, { error: 'not found' });
  try {
    send(200, homeData(process.env.STATE_DIR || 'state'));
  } catch (err) {
    console.error(err.stack);
    send(500, { error: 'internal server error' });
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
