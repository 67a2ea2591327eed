'use strict';

// The export: the tracker's answer to "all issues", as it came.
function searchIssues(exported, q) {
  if (!q) return exported;
  return exported.filter ? exported.filter((i) => i.title.toLowerCase().includes(q)) : exported;
}

function summarize(issues) {
  return issues.map((i) => ({ id: i.identifier, title: i.title }));
}

module.exports = { searchIssues, summarize };
