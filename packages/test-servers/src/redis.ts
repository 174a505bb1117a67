import { join } from 'node:path';
import { findBinary, missingServer } from './binaries.js';
import { HOST, redisCommand } from './net.js';
import { launch, makeTempDir, notSupported, removeTempDir, ServerProcess, waitForServer } from './process.js';
import type { RedisServer } from './types.js';

const READY_TIMEOUT_MS = 15_000;

/**
 * Arguments of one redis-server. A save point makes a SIGTERM stop write the dataset, so keys survive
 * stop()/start() like on a real server; no fsync per write keeps tests fast.
 */
export function redisArgs(port: number, dir: string, extra: string[] = []): string[] {
  return ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '3600 1', '--appendonly', 'no', '--daemonize', 'no', ...extra];
}

export async function redisAnswers(port: number): Promise<boolean> {
  return (await redisCommand(port, 'PING')).startsWith('+PONG');
}

export async function startRedis(): Promise<RedisServer | null> {
  const external = process.env.TOKENS_TEST_REDIS_URL;
  if (external) {
    const parsed = new URL(external);
    return {
      url: external,
      host: parsed.hostname,
      port: Number(parsed.port || 6379),
      external: true,
      stop: notSupported,
      start: notSupported,
      dispose: async () => {},
    };
  }

  const binary = findBinary('redis-server');
  if (!binary) return missingServer('Redis', 'redis-server');
  const dir = makeTempDir('redis');
  const ready = (server: ServerProcess, port: number) => waitForServer('Redis', server, () => redisAnswers(port), READY_TIMEOUT_MS);
  let launched: { server: ServerProcess; port: number };
  try {
    launched = await launch((port) => new ServerProcess(binary, redisArgs(port, dir), join(dir, 'server.log'), 'SIGTERM'), ready);
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  const { server, port } = launched;

  let disposed = false;
  return {
    url: `redis://${HOST}:${port}`,
    host: HOST,
    port,
    external: false,
    stop: () => server.stop(),
    async start() {
      if (disposed) throw new Error('Redis: start after dispose');
      server.start();
      await ready(server, port);
    },
    async dispose() {
      disposed = true;
      await server.stop();
      removeTempDir(dir);
    },
  };
}
