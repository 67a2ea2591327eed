'use strict';

function preview({ path, ref }) {
  return { url: `https://${ref}--site.example${path}`, ref };
}

module.exports = { preview };
