import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary, missingServer } from './binaries.js';
import { clusterOperations } from './cluster-ops.js';
import { freePort, HOST, redisCommand } from './net.js';
import { makeTempDir, notSupported, removeTempDir, ServerProcess } from './process.js';
import { redisArgs } from './redis.js';
import type { RedisClusterOptions, RedisClusterServer } from './types.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;
const START_ATTEMPTS = 3;

/** Ok once every node sees all slots served and knows every other node; a replica once it is in sync. */
async function clusterReady(port: number, nodeCount: number, replicated: boolean): Promise<boolean> {
  const info = await redisCommand(port, 'CLUSTER', 'INFO');
  const ok =
    info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384') && info.includes(`cluster_known_nodes:${nodeCount}`);
  if (!ok || !replicated) return ok;
  const replication = await redisCommand(port, 'INFO', 'replication');
  return replication.includes('role:master') || replication.includes('master_link_status:up');
}

/**
 * A Redis Cluster on loopback in a temp dir: `masters` masters (default 3) with
 * `replicasPerMaster` replicas each (default 0). With a replica per master, `kill` and
 * `waitForHealthy` show a failover; `reshard` moves slots with redis-cli.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterServer | null> {
  const { masters = 3, replicasPerMaster = 0, nodeTimeoutMs = 5_000 } = options;
  if (!Number.isInteger(masters) || masters < 3) throw new Error('Redis Cluster: masters must be an integer >= 3 (redis-cli needs 3)');
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) throw new Error('Redis Cluster: replicasPerMaster must be >= 0');
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
      topology: notSupported,
      keySlot: notSupported,
      kill: notSupported,
      waitForHealthy: notSupported,
      reshard: notSupported,
    };
  }

  const binary = findBinary('redis-server');
  const cli = findBinary('redis-cli');
  if (!binary || !cli) return missingServer('Redis Cluster', binary ? 'redis-cli' : 'redis-server');

  // Two ports per node are picked before any node binds them, and they come from the ephemeral range that
  // outgoing connections also draw from: a node that finds its port taken is started anew.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalCluster(binary, cli, { masters, replicasPerMaster, nodeTimeoutMs });
    } catch (error) {
      const clash = error instanceof Error && /Failed listening on port|Address already in use/.test(error.message);
      if (!clash || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startLocalCluster(binary: string, cli: string, options: Required<RedisClusterOptions>): Promise<RedisClusterServer> {
  const dir = makeTempDir('redis-cluster');
  const nodeCount = options.masters * (1 + options.replicasPerMaster);
  const replicated = options.replicasPerMaster > 0;
  const nodes: { port: number; server: ServerProcess }[] = [];
  for (let index = 0; index < nodeCount; index++) {
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
      String(options.nodeTimeoutMs),
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
  const ready = (port: number) => clusterReady(port, nodeCount, replicated);
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
      const addresses = nodes.map(({ port }) => `${HOST}:${port}`);
      await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', String(options.replicasPerMaster), '--cluster-yes'], {
        timeout: READY_TIMEOUT_MS,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`Redis Cluster: redis-cli --cluster create failed:\n${stdout}${stderr}`);
    }
    await waitFor('state', ready);
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
    ...clusterOperations(nodes, cli, join(dir, 'cli.log'), logTails),
    async start() {
      if (disposed) throw new Error('Redis Cluster: start after dispose');
      // Only the stopped ones (after kill): the others keep running.
      for (const { server } of nodes) if (server.exited) server.start();
      await waitFor('state', ready);
    },
    async dispose() {
      disposed = true;
      await stopNodes();
      removeTempDir(dir);
    },
  };
}
