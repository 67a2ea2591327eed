'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { bodyData } = require('./body-data-wrapper');
const { preview } = require('./preview');

test('preview url', () => {
  assert.strictEqual(preview(bodyData({ path: '/a' })).url, 'https://main--site.example/a');
});
