'use strict';
// Issue search: GET /issues?q=WORD answers the tracker's issues whose title
// has WORD.  The tracker's export is synced to $STATE_DIR/issues.json.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { searchIssues, summarize } = require('./issues');

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const send = (status, obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (url.pathname !== '/issues') return send(404, { error: 'not found' });
  try {
    const all = JSON.parse(fs.readFileSync(path.join(process.env.STATE_DIR || 'state', 'issues.json'), 'utf8'));
    const issues = searchIssues(all, url.searchParams.get('q') || '');
    send(200, { issues: summarize(issues) });
  } catch (err) {
    console.error(err.stack);
    send(500, { error: 'internal server error' });
  }
}).listen(Number(process.env.PORT || 8080), '127.0.0.1');
