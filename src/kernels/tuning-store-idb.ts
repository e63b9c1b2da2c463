// The page's tuning store: autotuner results in IndexedDB (available in the training worker), one
// record per key (adapter, browser, model and batch), so a browser tunes a model once.
import type { TuningRecord, TuningStore } from './autotune';

const DB = 'nm-playground';
const STORE = 'kernel-tuning';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

function request<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then((db) => new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = run(tx.objectStore(STORE));
    tx.oncomplete = () => {
      db.close();
      resolve(req.result as T);
    };
    tx.onerror = tx.onabort = () => {
      db.close();
      reject(tx.error ?? new Error('IndexedDB transaction failed'));
    };
  }));
}

/** Null where there is no IndexedDB (then tuning is kept for the session only). */
export function indexedDbTuningStore(): TuningStore | null {
  if (typeof indexedDB === 'undefined') return null;
  return {
    where: 'IndexedDB',
    get: (key) => request<TuningRecord | undefined>('readonly', (s) => s.get(key)),
    set: (key, record) => request<void>('readwrite', (s) => s.put(record, key)),
  };
}
