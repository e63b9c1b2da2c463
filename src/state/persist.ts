// A tiny key–value store on IndexedDB: settings and finished runs survive reloads. Values are
// stored by structured clone, so typed arrays (mask snapshots) keep their type. Every failure is
// reported to the caller; a browser without IndexedDB (or a private window refusing it) simply
// keeps nothing across reloads.
const DB_NAME = 'nm-playground';
const STORE = 'kv';

let opening: Promise<IDBDatabase> | null = null;

function openDb(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('This browser has no IndexedDB; runs and settings will not survive a reload.'));
      return;
    }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened.'));
  });
  return opening;
}

function request<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return openDb().then((db) => new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = run(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed.'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction was aborted (storage full?).'));
  }));
}

export function loadValue<T>(key: string): Promise<T | undefined> {
  return request<T | undefined>('readonly', (s) => s.get(key));
}

export function saveValue(key: string, value: unknown): Promise<void> {
  return request<void>('readwrite', (s) => s.put(value, key));
}
