'use strict';
function summary(orders) {
  const amounts = orders.map((o) => o.amount);
  const revenue = amounts.reduce((a, b) => a + b);
  return { count: amounts.length, revenue, average: Math.round((revenue / amounts.length) * 100) / 100 };
}

module.exports = { summary };
