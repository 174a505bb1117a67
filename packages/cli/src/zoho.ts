import { createTokenStore, type StoredToken, type TokenBackend, type TokenStore, uniqueKeysOf } from '@tokens/core';
import { CliError, EXIT } from './failure.js';
import type { TokenSource } from './open.js';
import { err } from './output.js';
import type { StoreSpec } from './url.js';

interface ImportReport {
  imported: number;
  updated: number;
  unchanged: number;
  skipped: number;
  issues: { row: number; id?: string; reason: string }[];
}

type CsvImporter = (path: string, store: TokenStore) => Promise<ImportReport>;
type DbImporter = (options: Record<string, unknown>, store: TokenStore) => Promise<ImportReport>;

/**
 * The Zoho SDK's `FileStore` CSV and `DBStore` table as `copy` sources. `@tokens/zoho`'s importer
 * reads them (its column mapping, row checks and duplicate handling) into an in-memory staging
 * store; `copy` then moves the staged tokens like any other source, with its progress, resume and
 * verification. Nothing is ever written to the Zoho files or tables.
 */
export async function openZohoSource(spec: StoreSpec, zoho: Record<string, unknown>): Promise<TokenSource> {
  const name = spec.kind === 'zoho-csv' ? 'importZohoFileStore' : 'importZohoDbStore';
  const importer = zoho[name];
  if (typeof importer !== 'function') {
    throw new CliError('NOT_AVAILABLE', `${spec.kind}: URLs are not available in this version (@tokens/zoho has no ${name})`, EXIT.MISSING);
  }
  return {
    spec,
    async getTokens() {
      const staging = createTokenStore(stagingBackend());
      const { path, ...dbOptions } = spec.options;
      const report =
        spec.kind === 'zoho-csv'
          ? await (importer as CsvImporter)(path as string, staging)
          : await (importer as DbImporter)(dbOptions, staging);
      for (const issue of report.issues.slice(0, 20)) {
        err(`skipped ${spec.kind === 'zoho-csv' ? 'line' : 'row'} ${issue.row}${issue.id ? ` (id ${issue.id})` : ''}: ${issue.reason}`);
      }
      if (report.issues.length > 20) err(`... and ${report.issues.length - 20} more skipped rows`);
      const tokens = await staging.getTokens();
      await staging.close();
      return tokens;
    },
    close: async () => {},
  };
}

const KINDS = ['user', 'access', 'refresh', 'grant'] as const;

/** A small in-memory backend, indexed by each unique key (a Zoho file may hold 100,000 rows): the staging area of an import. */
function stagingBackend(): TokenBackend {
  const records = new Map<string, StoredToken>();
  const index = new Map<string, string>();
  const keysOf = (record: StoredToken) =>
    KINDS.flatMap((kind) => {
      const value = uniqueKeysOf(record)[kind];
      return value === null ? [] : [`${kind}\u0000${value}`];
    });
  const collides = (record: StoredToken) => keysOf(record).some((key) => (index.get(key) ?? record.id) !== record.id);
  const put = (record: StoredToken) => {
    const previous = records.get(record.id);
    if (previous) for (const key of keysOf(previous)) index.delete(key);
    records.set(record.id, record);
    for (const key of keysOf(record)) index.set(key, record.id);
  };
  return {
    backend: 'zoho-staging',
    namespace: 'zoho',
    getById: (id) => records.get(id) ?? null,
    findByKey: ({ kind, value }) => records.get(index.get(`${kind}\u0000${value}`) ?? '') ?? null,
    insert(record) {
      if (records.has(record.id) || collides(record)) return 'duplicate';
      put(record);
      return 'inserted';
    },
    update(record, expectedVersion) {
      if (records.get(record.id)?.version !== expectedVersion) return 'stale';
      if (collides(record)) return 'duplicate';
      put(record);
      return 'updated';
    },
    delete(id) {
      const previous = records.get(id);
      if (previous) for (const key of keysOf(previous)) index.delete(key);
      records.delete(id);
    },
    list: () => [...records.values()],
    clear() {
      records.clear();
      index.clear();
    },
    close() {},
  };
}
