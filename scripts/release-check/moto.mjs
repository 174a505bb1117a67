// A throwaway moto (AWS emulator) for the DynamoDB consumers' round trips: free loopback port,
// in memory. Found where scripts/install-test-servers.sh puts its virtualenv.
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './registry.mjs';
import { log, startDaemon } from './shell.mjs';

export function findMoto() {
  const caches = [
    process.env.TOKENS_TEST_SERVERS_CACHE,
    '/var/cache/tokens-test-servers',
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tokens-test-servers'),
  ].filter(Boolean);
  const dirs = [...caches.map((dir) => join(dir, 'moto-venv', 'bin')), ...(process.env.PATH ?? '').split(':')];
  return dirs.map((dir) => join(dir, 'moto_server')).find((path) => existsSync(path)) ?? null;
}

export async function startMoto(binary, dir) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'moto.log');
  const child = startDaemon(binary, ['-H', '127.0.0.1', '-p', String(port)], { logFd: openSync(logFile, 'a') });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(`moto on port ${port}`, child, logFile, async () => (await fetch(`${endpoint}/moto-api/`)).status < 500);
  log(`moto ready on 127.0.0.1:${port} (pid ${child.pid})`);
  return { port, endpoint, child };
}

/** Items in a DynamoDB table, by one plain JSON-protocol Scan (moto checks no signature). */
export async function dynamoItemCount(endpoint, table) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.Scan',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ TableName: table, Select: 'COUNT' }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`moto Scan failed: ${response.status} ${body.__type ?? ''}`);
  return body.Count;
}
