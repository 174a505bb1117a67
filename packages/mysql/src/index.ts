export type { MysqlBackendOptions } from './mysql-backend.js';
export { MysqlBackend } from './mysql-backend.js';
export type { MysqlStoreOptions } from './mysql-store.js';
export { createMysqlStore } from './mysql-store.js';
