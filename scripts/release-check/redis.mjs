// A throwaway redis-server for the consumers' round trips: free loopback port, temp dir, no persistence.
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { freePort, waitFor } from './registry.mjs';
import { log, startDaemon } from './shell.mjs';

export function findRedisServer() {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/bin'];
  return dirs.map((dir) => join(dir, 'redis-server')).find((path) => existsSync(path)) ?? null;
}

export async function startRedis(binary, dir) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'redis.log');
  const child = startDaemon(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    logFd: openSync(logFile, 'a'),
  });
  await waitFor(`redis-server on port ${port}`, child, logFile, async () => (await redisCommand(port, 'PING')) === 'PONG');
  log(`redis-server ready on 127.0.0.1:${port} (pid ${child.pid})`);
  return { port, url: `redis://127.0.0.1:${port}`, child };
}

/** Sends one command and returns the first reply line's value (enough for PING and DBSIZE). */
export function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis timeout')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.slice(1, reply.indexOf('\r\n')));
      }
    });
    socket.connect(port, '127.0.0.1', () => {
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    });
  });
}
