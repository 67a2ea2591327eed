'use strict';
function card(user) {
  return { name: user.name, city: user.address.city };
}

module.exports = { card };
