'use strict';
const PRICES = { A1: 9.5, B2: 4.25 };

function create(raw) {
  const order = JSON.parse(raw);
  const qty = Number(order.qty || 1);
  return { id: 1000 + qty, sku: order.sku, qty, total: Math.round((PRICES[order.sku] || 0) * qty * 100) / 100 };
}

module.exports = { create };
