'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const { send } = require('../app');

test('send', () => {
  let head;
  let body;
  send({ writeHead: (s) => { head = s; }, end: (b) => { body = b; } }, 201, { a: 1 });
  assert.strictEqual(head, 201);
  assert.strictEqual(body, '{"a":1}');
});
