'use strict';

// The action's parameters from the parsed body: path and ref (default main).
function bodyData(data) {
  return { path: data.path, ref: data.ref || 'main' };
}

module.exports = { bodyData };
