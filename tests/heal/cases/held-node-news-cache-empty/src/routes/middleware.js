'use strict';
const fs = require('node:fs');
const path = require('node:path');

function homeData(dir) {
  const news = JSON.parse(fs.readFileSync(path.join(dir, 'news.json'), 'utf8'));
  return { title: 'Forged Alliance Forever', news: news.slice(0, 3), online: 1234 };
}

module.exports = { homeData };
