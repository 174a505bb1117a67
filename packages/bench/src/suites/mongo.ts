import { createMongoStore } from '@tokens/mongo';
import { startFerretDb } from '@tokens/test-servers';
import { MongoClient } from 'mongodb';
import type { Connected, Endpoint, Subject } from '../subject.js';

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
    // Raw ids: one sequence for every connection to this server.
    let next = 0;
    const connect = async (at: Endpoint, url = `mongodb://${at.host}:${at.port}/`): Promise<Connected & { client: MongoClient }> => {
      const store = createMongoStore({ url });
      const client = new MongoClient(url);
      const raw = client.db('bench_raw').collection('tokens');
      return {
        store,
        client,
        raw: {
          async seed(tokens) {
            await raw.insertMany(tokens.map((token) => ({ ...token, _id: `raw-${next++}`, version: 1 }) as never));
          },
          findByUser: (user) => raw.findOne({ userSignature: user }),
          findByRefresh: (refreshToken) => raw.findOne({ refreshToken }),
          findById: (id) => raw.findOne({ _id: id as never }),
          updateUser: (token) =>
            raw.updateOne(
              { userSignature: token.userSignature },
              { $set: { accessToken: token.accessToken, expiryTime: token.expiryTime } },
            ),
          insert: (token) => raw.insertOne({ ...token, _id: `raw-${next++}`, version: 1 } as never),
          casUpdate: async (token, version) => {
            const set = { accessToken: token.accessToken, expiryTime: token.expiryTime };
            const result = await raw.updateOne({ userSignature: token.userSignature, version }, { $set: set, $inc: { version: 1 } });
            return result.modifiedCount === 1;
          },
          list: () => raw.find({}).toArray(),
        },
        async close() {
          await store.close();
          await client.close();
        },
      };
    };
    const main = await connect(server, server.url);
    const raw = main.client.db('bench_raw').collection('tokens');
    await raw.createIndex({ userSignature: 1 }, { unique: true });
    await raw.createIndex({ refreshToken: 1 }, { unique: true });
    return {
      store: main.store,
      raw: main.raw,
      // The drivers' server monitors poll on their own connections: rarely, so the counts stay the operations'.
      server: { endpoint: server, connect: (at) => connect(at, `mongodb://${at.host}:${at.port}/?heartbeatFrequencyMS=600000`) },
      async close() {
        await main.close();
        await server.dispose();
      },
    };
  },
};
