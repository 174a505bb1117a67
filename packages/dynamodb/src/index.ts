export { DynamoDbBackend, type DynamoDbBackendOptions } from './backend.js';
export { MAX_ITEM_BYTES } from './items.js';
export { createDynamoDbStore, type DynamoDbStoreOptions } from './store.js';
