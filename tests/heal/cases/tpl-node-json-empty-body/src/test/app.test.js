'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const { total } = require('../app');

test('total', () => {
  assert.strictEqual(total({ sku: 'A1', qty: 2 }), 19);
});
