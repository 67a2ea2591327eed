'use strict';
const test = require('node:test');
const assert = require('node:assert');

test('the feed file parses', () => {
  assert.deepStrictEqual(JSON.parse('{"items": []}').items, []);
});
