'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const { server } = require('../app');

test('a server', () => {
  assert.strictEqual(typeof server.listen, 'function');
});
