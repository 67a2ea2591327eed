'use strict';

// The last n elements of arr, in order (as the array-last package).
module.exports = function last(arr, n) {
  const len = arr.length;
  if (n >= len) return arr.slice();
  const res = new Array(n);
  for (let i = 0; i < n; i++) res[i] = arr[len - n + i];
  return res;
};
