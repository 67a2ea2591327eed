'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../stats');

test('summary', () => {
  assert.deepStrictEqual(lib.summary([{ amount: 10 }, { amount: 20 }]), { count: 2, revenue: 30, average: 15 });
});
