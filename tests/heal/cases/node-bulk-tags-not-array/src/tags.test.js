'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { normalize } = require('./tags');

test('tags are trimmed and lowered', () => {
  assert.deepStrictEqual(normalize([' Sale ']), ['sale']);
});
