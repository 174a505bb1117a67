import { connect, type Socket } from 'node:net';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { startCountingProxy, startMariaDb, startRedis } from '../src/index.js';

/** One persistent RESP connection: `send` writes its parts as given and waits for `replies` replies. */
async function respConnection(port: number, host: string) {
  const socket: Socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffer = '';
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    waiter?.();
  });
  const command = (...args: string[]) => `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
  return {
    command,
    /** Writes each part (a separate `write`, a short pause between), then waits for `lines` reply lines. */
    async send(parts: string[], lines: number): Promise<string> {
      for (const [index, part] of parts.entries()) {
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        socket.write(part);
      }
      while (buffer.split('\r\n').length - 1 < lines) await new Promise<void>((resolve) => (waiter = resolve));
      const reply = buffer;
      buffer = '';
      return reply;
    },
    close: () => socket.destroy(),
  };
}

describe('counting proxy', () => {
  it('counts a Redis PING as one round trip, a MULTI pipeline as one, a split request as one', async () => {
    const server = await startRedis();
    if (!server) return;
    const proxy = await startCountingProxy(server);
    try {
      const resp = await respConnection(proxy.port, proxy.host);
      expect(await resp.send([resp.command('PING')], 1)).toBe('+PONG\r\n');
      expect(proxy.connections).toBe(1);
      proxy.reset();
      for (let i = 0; i < 5; i++) await resp.send([resp.command('PING')], 1);
      expect(proxy.bursts).toBe(5);

      proxy.reset();
      const pipeline = ['MULTI', 'SET k v', 'INCR n', 'EXEC'].map((line) => resp.command(...line.split(' '))).join('');
      const reply = await resp.send([pipeline], 6);
      expect(reply).toBe('+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:1\r\n');
      expect(proxy.bursts).toBe(1);

      // One request in two TCP writes, with nothing from the server between them: still one burst.
      proxy.reset();
      const ping = resp.command('PING');
      await resp.send([ping.slice(0, 5), ping.slice(5)], 1);
      expect(proxy.bursts).toBe(1);
      // A GET answered, then a SET: two.
      await resp.send([resp.command('GET', 'k')], 2);
      await resp.send([resp.command('SET', 'k', 'w')], 1);
      expect(proxy.bursts).toBe(3);
      expect(proxy.connections).toBe(0);
      resp.close();
    } finally {
      await proxy.close();
      await server.dispose();
    }
  });

  it('counts a real driver: one mysql2 query per round trip, across a pool', async () => {
    const server = await startMariaDb();
    if (!server) return;
    const proxy = await startCountingProxy(server);
    const pool = mysql.createPool({
      host: proxy.host,
      port: proxy.port,
      user: server.user,
      password: server.password,
      database: server.database,
      connectionLimit: 2,
    });
    try {
      // Two connections, opened and authenticated before counting.
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1')]);
      expect(proxy.connections).toBe(2);
      proxy.reset();
      for (let i = 0; i < 10; i++) await pool.query('SELECT ? AS v', [i]);
      expect(proxy.bursts).toBe(10);
      expect(proxy.connections).toBe(0);
      // Two at once on two connections: each connection's request is its own burst.
      proxy.reset();
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 2')]);
      expect(proxy.bursts).toBe(2);
    } finally {
      await pool.end();
      await proxy.close();
      await server.dispose();
    }
  });
});
