'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../batches');

test('plan', () => {
  assert.strictEqual(lib.plan([1, 2, 3, 4, 5], { batch: { size: 2 } }).batches, 3);
});
