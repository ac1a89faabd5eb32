// Browsers and bundlers: the wasm-bindgen `web` build, instantiated here with
// top-level await so `new Embedis()` works as soon as the import resolves.
// `new URL(..., import.meta.url)` lets bundlers (webpack 5, Vite, esbuild,
// Parcel) find and copy the .wasm file.
import init, { Embedis } from './embedis.js';
import { install as installFast } from './fast.js';
import { install } from './persist-web.js';

await init({ module_or_path: new URL('./embedis_bg.wasm', import.meta.url) });
installFast(Embedis);
install(Embedis);
Embedis.prototype.listen = function listen() {
  return Promise.reject(new Error('embedis: listen() needs Node (it serves RESP over node:net)'));
};

export { Embedis };
