'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { homeData } = require('./middleware');

test('the three latest news', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'faf-'));
  fs.writeFileSync(path.join(d, 'news.json'), JSON.stringify([1, 2, 3, 4].map((i) => ({ title: 'n' + i }))));
  assert.strictEqual(homeData(d).news.length, 3);
});
