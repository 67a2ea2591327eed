'use strict';
// tpl-node-tags-not-array - POST /posts {"title", "tags": [..]}: the tags,
// lower-cased.  PORT from the environment; a request that fails is
// answered 500 and its stack goes to standard error.
const http = require('node:http');

function send(res, status, obj) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(obj));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const post = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      const tags = post.tags.map((t) => t.toLowerCase());
      send(res, 201, { title: post.title, tags });
    } catch (err) {
      console.error(err.stack);
      send(res, 500, { error: 'internal server error' });
    }
  });
});

if (require.main === module) server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
module.exports = { send };
