export type { RedisDurability } from './durability.js';
export { KeySpace } from './keys.js';
export type { RedisBackendOptions } from './redis-backend.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisStoreOptions } from './redis-store.js';
export { createRedisStore } from './redis-store.js';
export type { SpreadBackendOptions } from './spread/backend.js';
export { SpreadBackend } from './spread/backend.js';
export { SpreadKeySpace } from './spread/keys.js';
