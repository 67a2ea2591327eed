'use strict';
function config() {
  return process.env.CURRENCY ? { currency: process.env.CURRENCY } : {};
}

function label(amount, cfg) {
  return { amount, label: `${amount.toFixed(2)} ${cfg.currency.toUpperCase()}` };
}

module.exports = { config, label };
