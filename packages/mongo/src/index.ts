export { MongoBackend, type MongoBackendOptions } from './backend.js';
export type { TokenDocument } from './document.js';
export { createMongoStore, type MongoStoreOptions } from './store.js';
