import type { OAuthToken } from '@tokens/core';
import { createMemoryStore } from '@tokens/memory';
import type { Subject } from '../subject.js';

/**
 * Raw: the same records in plain Maps, one `get` per lookup, and a copy of what is returned (the
 * contract hands callers objects they may mutate, so the same result includes the copy).
 */
export const memorySubject: Subject = {
  backend: 'memory',
  server: false,
  async open() {
    const byUser = new Map<string, OAuthToken>();
    const byRefresh = new Map<string, OAuthToken>();
    const byId = new Map<string, OAuthToken>();
    const put = (token: OAuthToken, id = String(byId.size)) => {
      const record = { ...token, id, version: 1 };
      byUser.set(String(token.userSignature), record);
      byRefresh.set(String(token.refreshToken), record);
      byId.set(id, record);
    };
    return {
      store: createMemoryStore(),
      raw: {
        async seed(tokens) {
          for (const token of tokens) put(token);
        },
        findByUser: (user) => copy(byUser.get(user)),
        findByRefresh: (refreshToken) => copy(byRefresh.get(refreshToken)),
        findById: (id) => copy(byId.get(id)),
        updateUser: (token) => byUser.set(String(token.userSignature), token),
        insert: (token) => put(token),
        casUpdate: ({ userSignature, accessToken, expiryTime }, version) => {
          const record = byUser.get(userSignature);
          if (!record?.id || record.version !== version) return false;
          const next = { ...record, accessToken, expiryTime, version: version + 1 };
          byUser.set(userSignature, next);
          byRefresh.set(String(next.refreshToken), next);
          byId.set(record.id, next);
          return true;
        },
        list: () => [...byId.values()].map(copy),
      },
      async close() {},
    };
  },
};

function copy(token: OAuthToken | undefined): OAuthToken | null {
  return token ? { ...token } : null;
}
