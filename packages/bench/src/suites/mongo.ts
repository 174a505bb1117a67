import { createMongoStore } from '@tokens/mongo';
import { startFerretDb } from '@tokens/test-servers';
import { MongoClient } from 'mongodb';
import type { Subject } from '../subject.js';

/** Raw: one `findOne` on a uniquely indexed field; one `updateOne` for an update. */
export const mongoSubject: Subject = {
  backend: 'mongo (FerretDB)',
  server: true,
  // FerretDB 1.x on SQLite filters non-_id fields without an index (a scan per lookup, see the
  // mongo README), so 100,000 tokens would measure FerretDB, not the store.
  sizes: [1_000],
  samples: 60,
  async open() {
    const server = await startFerretDb();
    if (!server) return 'FerretDB is not installed (bash scripts/install-test-servers.sh)';
    const store = createMongoStore({ url: server.url });
    const client = new MongoClient(server.url);
    const raw = client.db('bench_raw').collection('tokens');
    await raw.createIndex({ userSignature: 1 }, { unique: true });
    await raw.createIndex({ refreshToken: 1 }, { unique: true });
    let next = 0;
    return {
      store,
      raw: {
        async seed(tokens) {
          await raw.insertMany(tokens.map((token) => ({ ...token, _id: `raw-${next++}` }) as never));
        },
        findByUser: (user) => raw.findOne({ userSignature: user }),
        findByRefresh: (refreshToken) => raw.findOne({ refreshToken }),
        findById: (id) => raw.findOne({ _id: id as never }),
        updateUser: (token) =>
          raw.updateOne({ userSignature: token.userSignature }, { $set: { accessToken: token.accessToken, expiryTime: token.expiryTime } }),
        insert: (token) => raw.insertOne({ ...token, _id: `raw-${next++}` } as never),
        list: () => raw.find({}).toArray(),
      },
      async close() {
        await store.close();
        await client.close();
        await server.dispose();
      },
    };
  },
};
