import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary, missingServer } from './binaries.js';
import { freePort, HOST, redisCommand } from './net.js';
import { makeTempDir, notSupported, removeTempDir, ServerProcess } from './process.js';
import { redisArgs } from './redis.js';
import type { RedisClusterServer } from './types.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);
const NODE_COUNT = 3;
const READY_TIMEOUT_MS = 30_000;
const START_ATTEMPTS = 3;

/** Ok once every node sees all slots served and knows every other node. */
async function clusterReady(port: number): Promise<boolean> {
  const info = await redisCommand(port, 'CLUSTER', 'INFO');
  return info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384') && info.includes(`cluster_known_nodes:${NODE_COUNT}`);
}

export async function startRedisCluster(): Promise<RedisClusterServer | null> {
  const external = process.env.TOKENS_TEST_REDIS_CLUSTER_NODES;
  if (external) {
    return {
      nodes: external.split(',').map((entry) => {
        const [host = HOST, port = '6379'] = entry.trim().split(':');
        return { host, port: Number(port) };
      }),
      external: true,
      stop: notSupported,
      start: notSupported,
      dispose: async () => {},
    };
  }

  const binary = findBinary('redis-server');
  const cli = findBinary('redis-cli');
  if (!binary || !cli) return missingServer('Redis Cluster', binary ? 'redis-cli' : 'redis-server');

  // Six ports are picked before any node binds them, and they come from the ephemeral range that
  // outgoing connections also draw from: a node that finds its port taken is started anew.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalCluster(binary, cli);
    } catch (error) {
      const clash = error instanceof Error && /Failed listening on port|Address already in use/.test(error.message);
      if (!clash || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startLocalCluster(binary: string, cli: string): Promise<RedisClusterServer> {
  const dir = makeTempDir('redis-cluster');
  const nodes: { port: number; server: ServerProcess }[] = [];
  for (let index = 0; index < NODE_COUNT; index++) {
    const nodeDir = join(dir, `node${index}`);
    mkdirSync(nodeDir);
    const port = await freePort();
    // An explicit bus port: the default port+10000 may be taken or beyond 65535.
    const busPort = await freePort();
    const args = redisArgs(port, nodeDir, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-port',
      String(busPort),
      '--cluster-node-timeout',
      '5000',
    ]);
    nodes.push({ port, server: new ServerProcess(binary, args, join(nodeDir, 'server.log'), 'SIGTERM') });
  }
  const logTails = () => nodes.map(({ port, server }) => `[node ${port}]\n${server.logTail(10)}`).join('\n');
  const waitFor = (what: string, probe: (port: number) => Promise<boolean>) =>
    waitUntil(`Redis Cluster ${what}`, async () => (await Promise.all(nodes.map(({ port }) => probe(port)))).every(Boolean), {
      timeoutMs: READY_TIMEOUT_MS,
      describe: logTails,
      exited: () => nodes.some(({ server }) => server.exited),
    });
  const startNodes = () => {
    for (const { server } of nodes) server.start();
  };
  const stopNodes = async () => {
    await Promise.all(nodes.map(({ server }) => server.stop()));
  };

  try {
    startNodes();
    await waitFor('nodes', async (port) => (await redisCommand(port, 'PING')).startsWith('+PONG'));
    try {
      await run(cli, ['--cluster', 'create', ...nodes.map(({ port }) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
        timeout: READY_TIMEOUT_MS,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`Redis Cluster: redis-cli --cluster create failed:\n${stdout}${stderr}`);
    }
    await waitFor('state', clusterReady);
  } catch (error) {
    await stopNodes();
    removeTempDir(dir);
    throw error;
  }

  let disposed = false;
  return {
    nodes: nodes.map(({ port }) => ({ host: HOST, port })),
    external: false,
    stop: stopNodes,
    async start() {
      if (disposed) throw new Error('Redis Cluster: start after dispose');
      startNodes();
      await waitFor('state', clusterReady);
    },
    async dispose() {
      disposed = true;
      await stopNodes();
      removeTempDir(dir);
    },
  };
}
