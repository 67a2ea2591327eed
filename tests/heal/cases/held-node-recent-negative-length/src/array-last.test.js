'use strict';
const test = require('node:test');
const assert = require('node:assert');
const last = require('./array-last');

test('last n', () => {
  assert.deepStrictEqual(last([1, 2, 3, 4], 2), [3, 4]);
  assert.deepStrictEqual(last([1, 2], 5), [1, 2]);
});
