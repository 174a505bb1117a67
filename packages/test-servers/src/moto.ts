import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDirs, findBinary, missingServer } from './binaries.js';
import { HOST } from './net.js';
import { launchInDir, makeTempDir, notSupported, ServerProcess, waitForServer } from './process.js';
import type { MotoServer } from './types.js';

const READY_TIMEOUT_MS = 30_000;
const REGION = 'us-east-1';
// moto accepts any credentials; fixed fake ones keep the SDK from searching the machine for real ones.
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

async function answersHttp(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status < 500;
}

/**
 * moto_server's app behind one lock: moto applies a DynamoDB transaction item by item and rolls
 * back by restoring a copy of the whole table, so on its threaded server concurrent transactions
 * see and undo each other's writes. One request at a time gives the isolation DynamoDB has.
 */
const SERIALIZED_SERVER = `
import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
os.environ.setdefault("MOTO_PORT", sys.argv[2])
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()
def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))
run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
`;

export interface MotoOptions {
  /** Handle one request at a time (needed for DynamoDB transactions to be isolated; see above). */
  serializeRequests?: boolean;
}

/** The interpreter of the moto_server script (its virtualenv's python). */
function pythonOf(script: string): string {
  const shebang = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  return shebang.startsWith('#!') ? shebang.slice(2).trim().split(/\s+/)[0]! : 'python3';
}

/** moto keeps everything in memory: secrets and tables do not survive stop()/start(). */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer | null> {
  if (process.env.TOKENS_TEST_AWS === '1') {
    const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || REGION;
    const host = `secretsmanager.${region}.amazonaws.com`;
    return {
      endpoint: `https://${host}`,
      region,
      // Real AWS: the SDK's default credential chain; these are only for callers that insist on a value.
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
      },
      clientConfig: { region },
      host,
      port: 443,
      external: true,
      stop: notSupported,
      start: notSupported,
      dispose: async () => {},
    };
  }

  const binary = findBinary(
    'moto_server',
    cacheDirs().map((dir) => join(dir, 'moto-venv', 'bin')),
  );
  if (!binary) return missingServer('moto', 'moto_server');
  const dir = makeTempDir('moto');
  const ready = (server: ServerProcess, port: number) =>
    waitForServer('moto', server, () => answersHttp(`http://${HOST}:${port}`), READY_TIMEOUT_MS);
  const handle = await launchInDir(
    'moto',
    dir,
    (port) =>
      options.serializeRequests
        ? new ServerProcess(pythonOf(binary), ['-c', SERIALIZED_SERVER, HOST, String(port)], join(dir, 'server.log'))
        : new ServerProcess(binary, ['-H', HOST, '-p', String(port)], join(dir, 'server.log')),
    ready,
  );
  const endpoint = `http://${HOST}:${handle.port}`;
  return {
    ...handle,
    endpoint,
    region: REGION,
    credentials: { ...CREDENTIALS },
    clientConfig: { region: REGION, endpoint, credentials: { ...CREDENTIALS } },
  };
}
