'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { pagedFind } = require('./accounts');

test('sorted by a field, descending with -', () => {
  const all = [{ _id: 2, name: 'b' }, { _id: 1, name: 'c' }];
  assert.deepStrictEqual(pagedFind(all, '-name').data.map((a) => a._id), [1, 2]);
  assert.deepStrictEqual(pagedFind(all).data.map((a) => a._id), [1, 2]);
});
