import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OAuthToken, StoredToken } from '@tokens/core';
import { createFileStore } from '@tokens/file';
import { tokenAt } from '../fixtures.js';
import { asRecord, elapsedMs, memorySnapshot, recordAt } from './records.js';
import type { ScaleBackend, ScalePrepared } from './types.js';

/*
 * @tokens/file exports no encoder, so its journal format is duplicated here (journal.ts: a header
 * line, then one `put` line per record, fields in a fixed order). `checkLayout` compares a line the
 * store wrote with the line this code writes for the same record, byte for byte.
 */
const HEADER_LINE = `${JSON.stringify({ format: '@tokens/file', version: 1 })}\n`;

function putLine(ns: string, t: StoredToken): string {
  const token = {
    id: t.id,
    version: t.version,
    userSignature: t.userSignature,
    clientId: t.clientId,
    clientSecret: t.clientSecret,
    redirectUrl: t.redirectUrl,
    grantToken: t.grantToken,
    refreshToken: t.refreshToken,
    accessToken: t.accessToken,
    expiryTime: t.expiryTime,
    apiDomain: t.apiDomain,
  };
  return `${JSON.stringify({ op: 'put', ns, token })}\n`;
}

/** Writes `count` lines made by `line(i)` in chunks: one write per 10,000 lines. */
function writeLines(path: string, header: string, count: number, line: (i: number) => string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, header);
    for (let from = 0; from < count; from += 10_000) {
      const chunk: string[] = [];
      for (let i = from; i < Math.min(count, from + 10_000); i++) chunk.push(line(i));
      writeSync(fd, chunk.join(''));
    }
  } finally {
    closeSync(fd);
  }
}

function countLines(path: string): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(16 * 1024 * 1024);
  let lines = 0;
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      for (let at = buffer.indexOf(0x0a); at >= 0 && at < read; at = buffer.indexOf(0x0a, at + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

/** See ScaleBackend.prepare: a token saved by the store and the same token seeded must be stored alike. */
async function checkLayout(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-scale-file-check-'));
  try {
    const path = join(dir, 'tokens.jsonl');
    const store = createFileStore({ path });
    const saved = await store.saveToken(tokenAt(0, 'layout'));
    await store.close();
    const expected = HEADER_LINE + putLine('tokens', { ...recordAt(0, saved.id), ...saved });
    if (readFileSync(path, 'utf8') !== expected)
      throw new Error('file: the journal the store writes differs from what seed/file.ts writes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const fileScale: ScaleBackend = {
  name: 'file',
  server: false,
  async prepare(n): Promise<ScalePrepared> {
    await checkLayout();
    const dir = mkdtempSync(join(tmpdir(), 'tokens-scale-file-'));
    const path = join(dir, 'tokens.jsonl');
    const ids: string[] = new Array(n);
    let start = performance.now();
    writeLines(path, HEADER_LINE, n, (i) => {
      const record = recordAt(i);
      ids[i] = record.id;
      return putLine('tokens', record);
    });
    const oursMs = elapsedMs(start);
    const diskBytes = statSync(path).size;
    // The store reads the whole journal on its first operation: that is its startup time.
    const before = memorySnapshot();
    start = performance.now();
    const cpu = process.cpuUsage();
    const store = createFileStore({ path });
    await store.findTokenById('startup');
    const startupMs = elapsedMs(start);
    // On a shared machine the wall time depends on the neighbours; the CPU time does not.
    const startupCpuMs = Math.round((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000);
    const after = memorySnapshot();

    // Raw (see suites/file.ts): Maps of the records, a stat per read, a lock file and one appended line per save.
    const rawPath = join(dir, 'raw.jsonl');
    const byUser = new Map<string, StoredToken>();
    const byRefresh = new Map<string, StoredToken>();
    const byId = new Map<string, StoredToken>();
    const rawIds: string[] = new Array(n);
    const put = (record: StoredToken) => {
      byUser.set(record.userSignature ?? '', record);
      byRefresh.set(record.refreshToken ?? '', record);
      byId.set(record.id, record);
    };
    start = performance.now();
    writeLines(rawPath, '', n, (i) => {
      const record = recordAt(i);
      rawIds[i] = record.id;
      put(record);
      return `${JSON.stringify(record)}\n`;
    });
    const rawMs = elapsedMs(start);
    const rawAfter = memorySnapshot();
    const rawDiskBytes = statSync(rawPath).size;
    const fresh = (record: StoredToken | undefined) => {
      statSync(rawPath);
      return record ? { ...record } : null;
    };
    const lockPath = `${rawPath}.lock`;
    const locked = (write: () => void) => {
      closeSync(openSync(lockPath, 'wx'));
      try {
        write();
      } finally {
        unlinkSync(lockPath);
      }
    };
    const append = (record: StoredToken) => {
      const fd = openSync(rawPath, 'a');
      try {
        writeSync(fd, `${JSON.stringify(record)}\n`);
      } finally {
        closeSync(fd);
      }
      put(record);
    };
    return {
      store,
      ids,
      seedMs: { ours: oursMs, raw: rawMs },
      footprint: [
        { what: 'disk', ours: diskBytes / n, raw: rawDiskBytes / n },
        { what: 'heap', ours: (after.heap - before.heap) / n, raw: (rawAfter.heap - after.heap) / n },
        { what: 'rss', ours: (after.rss - before.rss) / n, raw: (rawAfter.rss - after.rss) / n },
      ],
      timings: { 'startup (first operation reads the journal)': startupMs, 'startup CPU time': startupCpuMs },
      raw: {
        findByUser: (user) => fresh(byUser.get(user)),
        findByRefresh: (refreshToken) => fresh(byRefresh.get(refreshToken)),
        findById: (index) => fresh(byId.get(rawIds[index] ?? '')),
        updateUser: (index, token: OAuthToken) =>
          locked(() => {
            const current = byId.get(rawIds[index] ?? '');
            if (current) append({ ...current, accessToken: token.accessToken ?? null, expiryTime: token.expiryTime ?? null });
          }),
        insert: (token) => locked(() => append(asRecord(token, `raw-${byId.size}`))),
      },
      // Entries of the journal: one put line per record, nothing else was written while seeding.
      rawCount: async () => countLines(path) - 1,
      async finish() {
        // One more rotated access token leaves a stale secret, so close() compacts: time a full rewrite at this size.
        await store.saveToken({ userSignature: tokenAt(0).userSignature, accessToken: 'rotated-before-close' });
        const closing = performance.now();
        const cpu = process.cpuUsage();
        await store.close();
        const used = process.cpuUsage(cpu);
        return {
          'close() with a compaction (rewrites the journal)': elapsedMs(closing),
          'compaction CPU time': Math.round((used.user + used.system) / 1000),
        };
      },
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
