'use strict';

function findAction(service, id) {
  return service.actions.find((a) => a.id === id);
}

module.exports = { findAction };
