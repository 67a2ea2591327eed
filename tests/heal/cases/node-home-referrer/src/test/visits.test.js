'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../visits');

test('home', () => {
  assert.deepStrictEqual(lib.home(new URLSearchParams('ref=Mail'), [1, 2, 3, 4]).featured, [1, 2, 3]);
});
