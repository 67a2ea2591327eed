'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../search');

test('search', () => {
  const r = lib.run([{ name: 'Desk lamp' }, { name: 'Chair' }], new URLSearchParams('q=LAMP'));
  assert.strictEqual(r.count, 1);
});
