'use strict';
function normalize(tags) {
  return tags.map((t) => t.trim().toLowerCase());
}

module.exports = { normalize };
