export type { Connections as PostgresConnections } from './executor.js';
export type { PostgresBackendOptions } from './postgres-backend.js';
export { PostgresBackend } from './postgres-backend.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { createPostgresStore } from './postgres-store.js';
