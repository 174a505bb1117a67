export type { FileBackendOptions } from './file-backend.js';
export { FileBackend } from './file-backend.js';
export type { FileStoreOptions } from './file-store.js';
export { createFileStore } from './file-store.js';
