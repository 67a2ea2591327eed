'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { searchIssues, summarize } = require('./issues');

test('search and summarize', () => {
  const all = [{ identifier: 'ENG-1', title: 'Login bug' }, { identifier: 'ENG-2', title: 'Docs' }];
  assert.deepStrictEqual(summarize(searchIssues(all, 'bug')), [{ id: 'ENG-1', title: 'Login bug' }]);
});
