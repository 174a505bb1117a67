import type { OAuthToken, StoredToken } from '@tokens/core';
import { createMemoryStore, MemoryBackend, MemoryDatabase } from '@tokens/memory';
import { asRecord, elapsedMs, memorySnapshot, recordAt } from './records.js';
import type { ScaleBackend, ScalePrepared } from './types.js';

/**
 * Seeds through the backend primitive (`MemoryBackend.insert`, public API): the same uniqueness
 * checks and indexes as a save, without the engine's lookup-then-insert per token. The layout is
 * the package's own, so there is nothing to drift.
 */
export const memoryScale: ScaleBackend = {
  name: 'memory',
  server: false,
  async prepare(n): Promise<ScalePrepared> {
    const ids: string[] = new Array(n);
    const database = new MemoryDatabase();
    const backend = new MemoryBackend(database, 'tokens');
    const before = memorySnapshot();
    let start = performance.now();
    for (let i = 0; i < n; i++) {
      const record = recordAt(i);
      ids[i] = record.id;
      if (backend.insert(record) !== 'inserted') throw new Error(`memory seed: token ${i} was refused as a duplicate`);
    }
    const oursMs = elapsedMs(start);
    const after = memorySnapshot();
    const store = createMemoryStore({ database });

    // Raw: plain Maps of the same records, a copy per read (see suites/memory.ts).
    const byUser = new Map<string, StoredToken>();
    const byRefresh = new Map<string, StoredToken>();
    const rawIds: string[] = new Array(n);
    const byId = new Map<string, StoredToken>();
    const put = (record: StoredToken) => {
      byUser.set(record.userSignature ?? '', record);
      byRefresh.set(record.refreshToken ?? '', record);
      byId.set(record.id, record);
    };
    start = performance.now();
    for (let i = 0; i < n; i++) {
      const record = recordAt(i);
      rawIds[i] = record.id;
      put(record);
    }
    const rawMs = elapsedMs(start);
    const rawAfter = memorySnapshot();
    const copy = (record: StoredToken | undefined) => (record ? { ...record } : null);
    return {
      store,
      ids,
      seedMs: { ours: oursMs, raw: rawMs },
      footprint: [
        { what: 'heap', ours: (after.heap - before.heap) / n, raw: (rawAfter.heap - after.heap) / n },
        { what: 'rss', ours: (after.rss - before.rss) / n, raw: (rawAfter.rss - after.rss) / n },
      ],
      raw: {
        findByUser: (user) => copy(byUser.get(user)),
        findByRefresh: (refreshToken) => copy(byRefresh.get(refreshToken)),
        findById: (index) => copy(byId.get(rawIds[index] ?? '')),
        updateUser: (index, token: OAuthToken) => {
          const current = byId.get(rawIds[index] ?? '');
          if (current) put({ ...current, accessToken: token.accessToken ?? null, expiryTime: token.expiryTime ?? null });
        },
        insert: (token) => put(asRecord(token, `raw-${byId.size}`)),
      },
      rawCount: async () => database.rawRecords('tokens').length,
      async close() {
        await store.close();
      },
    };
  },
};
