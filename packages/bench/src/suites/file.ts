import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OAuthToken } from '@tokens/core';
import { createFileStore } from '@tokens/file';
import type { Subject } from '../subject.js';

/**
 * Raw: what any multi-process file store must do at least — a Map lookup after a stat that tells
 * whether another process wrote (and a copy for the caller), and per save a lock file, one
 * appended line, and the unlock.
 */
export const fileSubject: Subject = {
  backend: 'file',
  server: false,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-file-'));
    const rawPath = join(dir, 'raw.jsonl');
    appendFileSync(rawPath, '');
    const byUser = new Map<string, OAuthToken>();
    const byRefresh = new Map<string, OAuthToken>();
    const byId = new Map<string, OAuthToken>();
    const put = (token: OAuthToken) => {
      const record = { ...token, id: String(byId.size), version: 1 };
      appendFileSync(rawPath, `${JSON.stringify(record)}\n`);
      byUser.set(String(token.userSignature), record);
      byRefresh.set(String(token.refreshToken), record);
      byId.set(record.id, record);
    };
    const fresh = (value: OAuthToken | undefined) => {
      statSync(rawPath);
      return value ? { ...value } : null;
    };
    const lockPath = `${rawPath}.lock`;
    const locked = <T>(write: () => T): T => {
      closeSync(openSync(lockPath, 'wx'));
      try {
        return write();
      } finally {
        unlinkSync(lockPath);
      }
    };
    const store = createFileStore({ path: join(dir, 'tokens.jsonl') });
    return {
      store,
      raw: {
        async seed(tokens) {
          for (const token of tokens) put(token);
        },
        findByUser: (user) => fresh(byUser.get(user)),
        findByRefresh: (refreshToken) => fresh(byRefresh.get(refreshToken)),
        findById: (id) => fresh(byId.get(id)),
        updateUser: (token) => locked(() => appendFileSync(rawPath, `${JSON.stringify(token)}\n`)),
        insert: (token) => locked(() => put(token)),
        // Under the lock: re-check the version (another process may have written), append, publish.
        casUpdate: ({ userSignature, accessToken, expiryTime }, version) =>
          locked(() => {
            statSync(rawPath);
            const record = byUser.get(userSignature);
            if (!record?.id || record.version !== version) return false;
            const next = { ...record, accessToken, expiryTime, version: version + 1 };
            appendFileSync(rawPath, `${JSON.stringify(next)}\n`);
            byUser.set(userSignature, next);
            byId.set(record.id, next);
            return true;
          }),
        list: () => [...byId.values()].map((token) => ({ ...token })),
      },
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
