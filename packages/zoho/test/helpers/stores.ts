import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '@tokens/core';
import { createMysqlStore } from '@tokens/mysql';
import { createRedisStore } from '@tokens/redis';
import { createSqliteStore } from '@tokens/sqlite';
import { type MariaDbServer, type RedisServer, startMariaDb, startRedis } from '@tokens/test-servers';

/** What a child process needs to open the same store (see child/sdk-calls.mjs). */
export type StoreConfig =
  | { kind: 'sqlite'; path: string; namespace: string }
  | { kind: 'redis'; url: string; namespace: string }
  | { kind: 'mysql'; host: string; port: number; user: string; password: string; database: string; namespace: string };

export interface StoreKind {
  readonly name: 'sqlite' | 'redis' | 'mysql';
  /** null: the server binary is missing (a skip locally, a failure with CI=true). */
  setup(): Promise<boolean>;
  config(namespace: string): StoreConfig;
  /** Makes the store fail: stops the server (redis, mysql) or closes the store (sqlite). */
  breakStore(store: TokenStore): Promise<{ code: string; backend: string }>;
  repair(): Promise<void>;
  dispose(): Promise<void>;
}

export function openStore(config: StoreConfig): TokenStore {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteStore({ path: config.path, namespace: config.namespace });
    case 'redis':
      return createRedisStore({ url: config.url, namespace: config.namespace, operationTimeoutMs: 2_000, connectTimeoutMs: 2_000 });
    case 'mysql':
      return createMysqlStore({
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        database: config.database,
        namespace: config.namespace,
        operationTimeoutMs: 3_000,
        connectTimeoutMs: 2_000,
      });
  }
}

export function storeKind(name: string): StoreKind {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-zoho-sqlite-'));
    return {
      name,
      setup: async () => true,
      config: (namespace) => ({ kind: 'sqlite', path: join(dir, 'tokens.db'), namespace }),
      async breakStore(store) {
        await store.close();
        return { code: 'CLOSED', backend: 'sqlite' };
      },
      repair: async () => {},
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (name === 'redis') {
    let server: RedisServer | null = null;
    return {
      name,
      async setup() {
        server = await startRedis();
        return server !== null;
      },
      config: (namespace) => ({ kind: 'redis', url: server?.url ?? '', namespace }),
      async breakStore() {
        await server?.stop();
        return { code: 'UNAVAILABLE', backend: 'redis' };
      },
      repair: async () => server?.start(),
      dispose: async () => server?.dispose(),
    };
  }
  let server: MariaDbServer | null = null;
  return {
    name: 'mysql',
    async setup() {
      server = await startMariaDb();
      return server !== null;
    },
    config: (namespace) => ({
      kind: 'mysql',
      host: server?.host ?? '',
      port: server?.port ?? 0,
      user: server?.user ?? '',
      password: server?.password ?? '',
      database: server?.database ?? '',
      namespace,
    }),
    async breakStore() {
      await server?.stop();
      return { code: 'UNAVAILABLE', backend: 'mysql' };
    },
    repair: async () => server?.start(),
    dispose: async () => server?.dispose(),
  };
}
