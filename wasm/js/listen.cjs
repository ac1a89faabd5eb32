'use strict';
// `db.listen()`: serves the store over RESP through node:net. (Filled in once
// the core's session lands.)
function install(Embedis) {
  Embedis.prototype.listen = function listen() {
    return Promise.reject(new Error('embedis: listen() is not available yet'));
  };
}

module.exports = { install };
