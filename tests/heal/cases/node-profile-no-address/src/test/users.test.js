'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../users');

test('card', () => {
  assert.deepStrictEqual(lib.card({ name: 'Ada', address: { city: 'London' } }), { name: 'Ada', city: 'London' });
});
