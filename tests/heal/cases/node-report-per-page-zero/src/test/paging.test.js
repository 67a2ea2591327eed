'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { pageNumbers } = require('../paging');

test('pages of five', () => {
  assert.deepStrictEqual(pageNumbers(7, 5), [1, 2]);
});
