'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../rates');

test('module', () => {
  assert.strictEqual(typeof lib.convert, 'function');
});
