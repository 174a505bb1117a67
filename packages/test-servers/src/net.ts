import { connect, createServer, type Socket } from 'node:net';

export const HOST = '127.0.0.1';

/** A port the OS just handed out on loopback (a tiny race with other processes is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Sends `request` on a fresh connection and resolves with what arrived once `complete` accepts it;
 * rejects on error, close or after `timeoutMs`.
 */
export function exchange(port: number, request: Buffer | string, complete: (data: Buffer) => boolean, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: HOST, port });
    let data = Buffer.alloc(0);
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(data);
    };
    const timer = setTimeout(() => done(new Error('no answer in time')), timeoutMs);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (complete(data)) done();
    });
    socket.once('error', (error) => done(error));
    socket.once('close', () => done(new Error('connection closed')));
  });
}

/** A Redis command over RESP; resolves with the raw reply text. */
export async function redisCommand(port: number, ...args: string[]): Promise<string> {
  const request = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
  const reply = await exchange(port, request, isCompleteReply);
  return reply.toString('utf8');
}

/** Enough RESP for simple, error and bulk replies (what PING and CLUSTER INFO return). */
function isCompleteReply(data: Buffer): boolean {
  const text = data.toString('utf8');
  const lineEnd = text.indexOf('\r\n');
  if (lineEnd < 0) return false;
  if (text[0] !== '$') return true;
  const length = Number(text.slice(1, lineEnd));
  return length < 0 || Buffer.byteLength(text) >= lineEnd + 2 + length + 2;
}
