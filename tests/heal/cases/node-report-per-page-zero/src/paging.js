'use strict';
function pageNumbers(total, perPage) {
  return Array.from(new Array(Math.ceil(total / perPage)), (_, i) => i + 1);
}

module.exports = { pageNumbers };
