export { DIGEST_PREFIX, ENVELOPE_PREFIX, isEncryptedRecord, keyIdOf } from './codec.js';
export type { LoadKeysOptions } from './env.js';
export { loadKeysFromEnv } from './env.js';
export { ENCRYPTION_HANDLE } from './handle.js';
export type { EncryptionKey, EncryptionKeys } from './keyring.js';
export type { EncryptionOptions } from './options.js';
export type { ReencryptOptions, ReencryptProgress, ReencryptResult } from './reencrypt.js';
export { reencryptTokens } from './reencrypt.js';
