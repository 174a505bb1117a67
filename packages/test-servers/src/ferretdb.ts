import { join } from 'node:path';
import { cacheDirs, findBinary, missingServer } from './binaries.js';
import { exchange, HOST } from './net.js';
import { launchInDir, makeTempDir, notSupported, ServerProcess, waitForServer } from './process.js';
import type { MongoServer } from './types.js';

const READY_TIMEOUT_MS = 30_000;
const OP_MSG = 2013;

/** `{ hello: 1, $db: 'admin' }` as an OP_MSG: a readiness probe without a driver. */
function helloMessage(): Buffer {
  const hello = Buffer.concat([Buffer.from([0x10]), Buffer.from('hello\0'), int32(1)]);
  const db = Buffer.concat([Buffer.from([0x02]), Buffer.from('$db\0'), int32(6), Buffer.from('admin\0')]);
  const body = Buffer.concat([hello, db, Buffer.from([0])]);
  const document = Buffer.concat([int32(body.length + 4), body]);
  const payload = Buffer.concat([int32(0), Buffer.from([0]), document]);
  return Buffer.concat([int32(16 + payload.length), int32(1), int32(0), int32(OP_MSG), payload]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
}

async function answersHello(port: number): Promise<boolean> {
  const reply = await exchange(port, helloMessage(), (data) => data.length >= 4 && data.length >= data.readInt32LE(0));
  return reply.length > 16 && reply.readInt32LE(12) === OP_MSG;
}

export async function startFerretDb(): Promise<MongoServer | null> {
  const external = process.env.TOKENS_TEST_MONGO_URL;
  if (external) {
    const parsed = new URL(external);
    return {
      url: external,
      host: parsed.hostname,
      port: Number(parsed.port || 27017),
      external: true,
      stop: notSupported,
      start: notSupported,
      dispose: async () => {},
    };
  }

  const binary = findBinary(
    'ferretdb',
    cacheDirs().map((dir) => join(dir, 'bin')),
  );
  if (!binary) return missingServer('FerretDB', 'ferretdb');
  const dir = makeTempDir('ferretdb');
  const ready = (server: ServerProcess, port: number) => waitForServer('FerretDB', server, () => answersHello(port), READY_TIMEOUT_MS);
  const handle = await launchInDir(
    'FerretDB',
    dir,
    (port) =>
      new ServerProcess(
        binary,
        [
          `--listen-addr=${HOST}:${port}`,
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--state-dir=${dir}`,
          '--telemetry=disable',
          // Its metrics endpoint defaults to a fixed port that parallel servers would fight over.
          '--debug-addr=-',
          '--log-level=warn',
        ],
        join(dir, 'server.log'),
      ),
    ready,
  );
  return { ...handle, url: `mongodb://${HOST}:${handle.port}/` };
}
