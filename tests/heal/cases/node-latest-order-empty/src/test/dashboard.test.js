'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const lib = require('../dashboard');

test('latest', () => {
  assert.strictEqual(lib.latest([{ id: 1 }, { id: 2 }]).latest, 2);
});
