import { isTokenStoreError } from '@tokens/core';
import { describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { Redis } from './helpers.js';

const invalidOptions = (error: unknown) => isTokenStoreError(error, 'INVALID_OPTIONS');

describe('createRedisStore options', () => {
  it('rejects a namespace that is not a lowercase identifier', () => {
    expect(() => createRedisStore({ namespace: 'Bad}Namespace' })).toThrow(expect.toSatisfy(invalidOptions));
  });

  it('rejects more than one way to connect', () => {
    const client = new Redis({ lazyConnect: true });
    expect(() => createRedisStore({ client, url: 'redis://127.0.0.1:1' })).toThrow(expect.toSatisfy(invalidOptions));
    expect(() => createRedisStore({ url: 'redis://127.0.0.1:1', cluster: { nodes: [] } })).toThrow(expect.toSatisfy(invalidOptions));
    client.disconnect();
  });

  it('rejects timeouts that are not positive integers', () => {
    expect(() => createRedisStore({ operationTimeoutMs: 0 })).toThrow(expect.toSatisfy(invalidOptions));
    expect(() => createRedisStore({ connectTimeoutMs: Number.NaN })).toThrow(expect.toSatisfy(invalidOptions));
  });
});
