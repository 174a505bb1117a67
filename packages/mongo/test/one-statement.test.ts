import { createTokenStore, type TokenBackend } from '@tokens/core';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { MongoClient } from 'mongodb';
import { afterAll, describe, it } from 'vitest';
import { MongoBackend } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();

/**
 * The MongoDB path (one findOneAndUpdate per save, no claims) through the whole conformance suite
 * on the FerretDB the tests run on. FerretDB's findAndModify is not atomic ("find, then write by
 * _id"), so every backend call of every store here waits for the previous one to finish: the race
 * cases then interleave whole saves, which MongoDB's atomic findAndModify guarantees anyway.
 */
function serialized(backend: MongoBackend): TokenBackend {
  const run = <T>(call: () => Promise<T>): Promise<T> => {
    const result = queue.then(call);
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  return {
    backend: backend.backend,
    namespace: backend.namespace,
    getById: (id) => run(() => backend.getById(id)),
    findByKey: (key) => run(() => backend.findByKey(key)),
    insert: (record) => run(() => backend.insert(record)),
    update: (record, expected, previous) => run(() => backend.update(record, expected, previous)),
    save: (plan) => run(() => backend.save(plan)),
    delete: (id) => run(() => backend.delete(id)),
    list: () => run(() => backend.list()),
    clear: () => run(() => backend.clear()),
    close: () => backend.close(),
    describeError: (error) => backend.describeError(error),
  };
}
let queue: Promise<unknown> = Promise.resolve();

if (test) {
  const client = new MongoClient(test.server.url);
  afterAll(() => client.close());
  describeConformance({
    name: 'mongo, one findOneAndUpdate per save (the MongoDB path)',
    open: (namespace) =>
      createTokenStore(
        serialized(
          new MongoBackend({
            namespace,
            collection: client.db(DATABASE).collection(namespace),
            operationTimeoutMs: 10_000,
            assumeAtomicUpdates: true,
          }),
        ),
      ),
    capabilities: { reopen: true, multiInstance: true, raw: (namespace) => test.raw.db(DATABASE).collection(namespace).find().toArray() },
    cleanup: (namespaces) => dropCollections(test.raw, namespaces),
  });
} else {
  describe.skip('mongo one-statement conformance: FerretDB not installed', () => {
    it('needs FerretDB', () => {});
  });
}
