export type { SqliteDatabase } from './database.js';
export type { SqliteBackendOptions } from './sqlite-backend.js';
export { SqliteBackend } from './sqlite-backend.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { createSqliteStore } from './sqlite-store.js';
