'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../prices');

test('label', () => {
  assert.strictEqual(lib.label(9.5, { currency: 'eur' }).label, '9.50 EUR');
});
