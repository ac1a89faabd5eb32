'use strict';
// `require('embedis')` in Node: the wasm-bindgen CommonJS build (which loads
// embedis_bg.wasm synchronously) plus the Node-only helpers.
const { Embedis } = require('./embedis.js');
require('./fast.cjs').install(Embedis);
require('./persist-node.cjs').install(Embedis);
require('./listen.cjs').install(Embedis);

module.exports = { Embedis };
