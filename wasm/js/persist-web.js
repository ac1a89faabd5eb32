// Persistence in browsers: the snapshot (the same bytes embedis-server writes
// to its dump file) in IndexedDB, database `embedis`, object store
// `snapshots`, under a name of your choice.
const DB_NAME = 'embedis';
const STORE = 'snapshots';

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function withStore(mode, f) {
  if (typeof indexedDB === 'undefined') {
    throw new Error('embedis: IndexedDB is not available here');
  }
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await request(open);
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error);
    });
    const result = await request(f(tx.objectStore(STORE)));
    await done;
    return result;
  } finally {
    db.close();
  }
}

export function install(Embedis) {
  Embedis.prototype.saveIndexedDB = async function saveIndexedDB(name = 'default') {
    const bytes = this.snapshot();
    await withStore('readwrite', (s) => s.put(bytes, String(name)));
  };
  Embedis.loadIndexedDB = async function loadIndexedDB(name = 'default', options) {
    const bytes = await withStore('readonly', (s) => s.get(String(name)));
    return bytes === undefined ? new Embedis(options) : Embedis.restore(new Uint8Array(bytes), options);
  };
  const noFiles = () => Promise.reject(new Error('embedis: files need Node; use saveIndexedDB / Embedis.loadIndexedDB'));
  Embedis.prototype.saveFile = noFiles;
  Embedis.loadFile = noFiles;
}
