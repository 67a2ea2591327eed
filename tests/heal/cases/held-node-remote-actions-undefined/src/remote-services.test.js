'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { findAction } = require('./remote-services');

test('an action is found by id', () => {
  const s = { actions: [{ id: 'search', summary: 'Search addresses' }] };
  assert.strictEqual(findAction(s, 'search').summary, 'Search addresses');
  assert.strictEqual(findAction(s, 'reverse'), undefined);
});
