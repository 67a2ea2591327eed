'use strict';

const STORE = {
  en: { translation: { hello: 'Hello' }, frontend: { cart: 'Cart' } },
  de: { translation: { hello: 'Hallo' }, frontend: { cart: 'Warenkorb' } },
};

function resources(languages, namespaces) {
  const out = {};
  for (const l of languages) {
    if (!STORE[l]) continue;
    out[l] = {};
    for (const ns of namespaces) if (STORE[l][ns]) out[l][ns] = STORE[l][ns];
  }
  return out;
}

module.exports = { resources };
