'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { Bus } = require('./bus');

test('publish queues on a known channel', () => {
  const b = new Bus(['news']);
  assert.deepStrictEqual(b.publish('news', 'hi'), { queued: true, channel: 'news', depth: 1 });
  assert.strictEqual(b.publish('nope', 'hi').queued, false);
});
