'use strict';
function tags(post) {
  return { title: post.title, tags: post.tags.map((t) => t.toLowerCase()) };
}

module.exports = { tags };
