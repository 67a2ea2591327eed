'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../geo');

test('map link', () => {
  assert.strictEqual(lib.mapLink({ name: 'x', geo: { lat: 1, lon: 2 } }).q, '1,2');
});
