import { join } from 'node:path';
import { findBinary, missingServer } from './binaries.js';
import { HOST, redisCommand } from './net.js';
import { launchInDir, makeTempDir, notSupported, ServerProcess, waitForServer } from './process.js';
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
  const handle = await launchInDir(
    'Redis',
    dir,
    (port) => new ServerProcess(binary, redisArgs(port, dir), join(dir, 'server.log'), 'SIGTERM'),
    ready,
  );
  return { ...handle, url: `redis://${HOST}:${handle.port}` };
}
