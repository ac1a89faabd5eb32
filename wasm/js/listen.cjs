'use strict';
// `db.listen()` in Node: serves the store over RESP through node:net. Each
// socket's bytes go to a core client session (the same protocol and
// connection logic as embedis-server) and its replies come back to the
// socket; blocked commands, pub/sub messages and blocking timeouts are driven
// from the wasm side.
const net = require('node:net');

function install(Embedis) {
  Embedis.prototype.listen = function listen(options = {}) {
    const { port = 0, host = '127.0.0.1', requirepass } = options;
    const resp = this.respServer(requirepass);
    const sockets = new Set();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.setNoDelay(true);
      const conn = resp.connect(
        `${socket.remoteAddress}:${socket.remotePort}`,
        `${socket.localAddress}:${socket.localPort}`,
        (bytes) => { if (!socket.destroyed) socket.write(bytes); },
        () => socket.end(),
      );
      socket.on('data', (chunk) => conn.feed(chunk));
      socket.on('error', () => {}); // a reset client is just gone; 'close' follows
      socket.on('close', () => {
        sockets.delete(socket);
        conn.close();
        conn.free();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        let closing;
        resolve({
          port: address.port,
          host: address.address,
          close() {
            closing ??= new Promise((done) => {
              server.close(() => {
                resp.free();
                done();
              });
              for (const s of sockets) s.destroy();
            });
            return closing;
          },
        });
      });
    });
  };
}

module.exports = { install };
