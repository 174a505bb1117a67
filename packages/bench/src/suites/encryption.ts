import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '@tokens/core';
import { createRedisStore } from '@tokens/redis';
import { createSqliteStore } from '@tokens/sqlite';
import { startRedis } from '@tokens/test-servers';
import { CLIENT } from '../fixtures.js';
import type { Connected, Endpoint, Prepared, RawDriver, Subject } from '../subject.js';

/**
 * Encryption at rest: "ours" is the store with `encryption` on, and the "raw" column is the same
 * store without it (same backend, database and data set, another namespace), so "ours / raw" is
 * the cost of encryption itself. Keys are random per run and never printed.
 */
function encryption() {
  return { keys: [{ id: 'bench', key: randomBytes(32) }], indexKey: randomBytes(32) };
}

/** The plain store doing what each bench operation asks of the bare driver. */
function plainDriver(plain: TokenStore): RawDriver {
  return {
    async seed(tokens) {
      let next = 0;
      const writer = async () => {
        for (let i = next++; i < tokens.length; i = next++) await plain.saveToken({ ...tokens[i], id: `raw-${i}` });
      };
      await Promise.all(Array.from({ length: 32 }, writer));
    },
    findByUser: (user) => plain.findToken({ userSignature: user }),
    findByRefresh: (refreshToken) => plain.findToken({ refreshToken, ...CLIENT }),
    findById: (id) => plain.findTokenById(id),
    // The same partial update the encrypted side makes.
    updateUser: (token) =>
      plain.saveToken({ userSignature: token.userSignature, accessToken: token.accessToken, expiryTime: token.expiryTime }),
    insert: (token) => plain.saveToken(token),
    casUpdate: async ({ userSignature, accessToken, expiryTime }, version) => {
      await plain.saveToken({ userSignature, accessToken, expiryTime, version });
      return true;
    },
    list: () => plain.getTokens(),
  };
}

export const sqliteEncryptedSubject: Subject = {
  backend: 'sqlite-encrypted',
  server: false,
  async open(): Promise<Prepared> {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-sqlite-enc-'));
    const path = join(dir, 'tokens.db');
    const store = createSqliteStore({ path, encryption: encryption() });
    const plain = createSqliteStore({ path, namespace: 'plain' });
    return {
      store,
      raw: plainDriver(plain),
      async close() {
        await store.close();
        await plain.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const redisEncryptedSubject: Subject = {
  backend: 'redis-encrypted',
  server: true,
  async open() {
    const server = await startRedis();
    if (!server) return 'redis-server is not installed (bash scripts/install-test-servers.sh)';
    // One key pair for every connection to this server (the proxied one reads what this one wrote).
    const keys = encryption();
    const connect = async (at: Endpoint): Promise<Connected> => {
      const url = `redis://${at.host}:${at.port}`;
      const store = createRedisStore({ url, encryption: keys });
      const plain = createRedisStore({ url, namespace: 'plain' });
      return {
        store,
        raw: plainDriver(plain),
        async close() {
          await store.close();
          await plain.close();
        },
      };
    };
    const main = await connect(server);
    return {
      ...main,
      server: { endpoint: server, connect },
      async close() {
        await main.close();
        await server.dispose();
      },
    };
  },
};
