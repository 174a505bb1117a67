export { KeySpace } from './keys.js';
export type { RedisBackendOptions } from './redis-backend.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisStoreOptions } from './redis-store.js';
export { createRedisStore } from './redis-store.js';
