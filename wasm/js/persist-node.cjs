'use strict';
// Persistence in Node: the snapshot (the same bytes embedis-server writes to
// its dump file) in a file, written atomically (temporary file, fsync,
// rename, fsync of the directory).
const fsp = require('node:fs/promises');
const path = require('node:path');

async function writeAtomically(file, bytes) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fsp.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await fsp.rename(tmp, file);
  try {
    const dir = await fsp.open(path.dirname(file), 'r');
    try { await dir.sync(); } finally { await dir.close(); }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename stands.
  }
}

function install(Embedis) {
  Embedis.prototype.saveFile = function saveFile(file) {
    return writeAtomically(String(file), this.snapshot());
  };
  Embedis.loadFile = async function loadFile(file, options) {
    let bytes;
    try {
      bytes = await fsp.readFile(String(file));
    } catch (e) {
      if (e && e.code === 'ENOENT') return new Embedis(options);
      throw e;
    }
    return Embedis.restore(bytes, options);
  };
  const noIndexedDB = () => Promise.reject(new Error('embedis: IndexedDB is not available in Node; use saveFile / Embedis.loadFile'));
  Embedis.prototype.saveIndexedDB = noIndexedDB;
  Embedis.loadIndexedDB = noIndexedDB;
}

module.exports = { install };
