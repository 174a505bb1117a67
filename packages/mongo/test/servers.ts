import { type MongoServer, startFerretDb } from '@tokens/test-servers';
import { MongoClient } from 'mongodb';
import { afterAll } from 'vitest';

/** Tests use their own database, so TOKENS_TEST_MONGO_URL may point at a shared MongoDB. */
export const DATABASE = 'tokens_test';

export interface TestServer {
  server: MongoServer;
  /** An independent client, for reading what landed and for cleanup. */
  raw: MongoClient;
}

/**
 * Starts FerretDB (or uses TOKENS_TEST_MONGO_URL) for one test file; `null` when it is not
 * installed locally, and the file's suites skip. In CI a missing server throws.
 */
export async function useServer(): Promise<TestServer | null> {
  const server = await startFerretDb();
  if (!server) return null;
  const raw = new MongoClient(server.url, { serverSelectionTimeoutMS: 10_000 });
  afterAll(async () => {
    await raw.close();
    await server.dispose();
  });
  return { server, raw };
}

/** Drops the namespaces' collections and their FerretDB claim collections. */
export async function dropCollections(raw: MongoClient, namespaces: readonly string[]): Promise<void> {
  const db = raw.db(DATABASE);
  const names = namespaces.flatMap((namespace) => [namespace, `${namespace}.cas`]);
  await Promise.all(names.map((name) => db.dropCollection(name).catch(() => false)));
}
