'use strict';

// Each method takes its request object; fields left out take their defaults.
module.exports = {
  system: {
    status({ verbose = false } = {}) {
      return verbose ? { ok: true, uptime: Math.round(process.uptime()), version: '0.4.2' } : { ok: true };
    },
  },
  config: {
    read({ keys = ['name'] } = {}) {
      const all = { name: 'actio-demo', region: 'eu-west-1' };
      return Object.fromEntries(keys.filter((k) => k in all).map((k) => [k, all[k]]));
    },
  },
};
