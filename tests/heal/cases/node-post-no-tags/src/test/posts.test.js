'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../posts');

test('tags', () => {
  assert.deepStrictEqual(lib.tags({ title: 't', tags: ['A', 'b'] }).tags, ['a', 'b']);
});
