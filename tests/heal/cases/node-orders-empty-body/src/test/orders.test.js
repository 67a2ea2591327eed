'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../orders');

test('create', () => {
  assert.strictEqual(lib.create('{"sku":"A1","qty":2}').total, 19);
});
