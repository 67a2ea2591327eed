'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { resources } = require('./store');

test('resources of languages and namespaces', () => {
  assert.deepStrictEqual(resources(['de'], ['frontend']), { de: { frontend: { cart: 'Warenkorb' } } });
});
