'use strict';
// Report index: GET /reports lists the page numbers of the reports in
// $STATE_DIR/reports.json.  PER_PAGE (default 5) from the environment.
// A small class-based router; errors are logged with their stack.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { pageNumbers } = require('./paging');

class Router {
  constructor() { this.routes = new Map(); }
  get(p, fn) { this.routes.set(`GET ${p}`, fn); return this; }
  handle(req, res) {
    const fn = this.routes.get(`${req.method} ${req.url.split('?')[0]}`);
    let status = 200;
    let body;
    try {
      body = fn ? fn(req) : (status = 404, { error: 'not found' });
    } catch (err) {
      console.error(err.stack);
      status = 500;
      body = { error: 'internal server error' };
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

const perPage = Number(process.env.PER_PAGE ?? 5);
const router = new Router().get('/reports', () => {
  const reports = JSON.parse(fs.readFileSync(path.join(process.env.STATE_DIR || 'state', 'reports.json'), 'utf8'));
  return { total: reports.length, pages: pageNumbers(reports.length, perPage) };
});

http.createServer((req, res) => router.handle(req, res)).listen(Number(process.env.PORT || 8080), '127.0.0.1');
