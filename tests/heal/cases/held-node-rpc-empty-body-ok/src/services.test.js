'use strict';
const test = require('node:test');
const assert = require('node:assert');
const services = require('./services');

test('fields left out take their defaults', () => {
  assert.deepStrictEqual(services.system.status({}), { ok: true });
  assert.deepStrictEqual(services.config.read({ keys: ['region'] }), { region: 'eu-west-1' });
});
