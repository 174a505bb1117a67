export { AwsSecretsBackend, type AwsSecretsBackendOptions } from './backend.js';
export { MAX_SECRET_BYTES } from './record.js';
export { type AwsSecretsStoreOptions, createAwsSecretsStore } from './store.js';
