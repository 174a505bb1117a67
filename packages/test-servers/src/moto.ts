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

/** moto keeps everything in memory: secrets do not survive stop()/start(). */
export async function startMoto(): Promise<MotoServer | null> {
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
    (port) => new ServerProcess(binary, ['-H', HOST, '-p', String(port)], join(dir, 'server.log')),
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
