import { createServer, type Server, Socket } from 'node:net';
import { HOST } from './net.js';

export interface SlowProxy {
  readonly host: string;
  readonly port: number;
  /** Delay added to every chunk the server sends back (ms); change it at any time (0: none). */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of `target` that holds each chunk of the server's answers for
 * `delayMs`, in order: a server that answers, but slowly, without touching the server itself
 * (what a congested network, a stalled replica or an overloaded server look like to a client).
 */
export async function startSlowProxy(target: { host: string; port: number }, delayMs = 0): Promise<SlowProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const proxy: SlowProxy = { host: HOST, port: 0, delayMs, close };
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(target.port, target.host);
    client.on('data', (chunk) => upstream.write(chunk));
    // A chunk waits for the later of its own due time and the previous chunk's: order is kept.
    let lastDue = 0;
    upstream.on('data', (chunk) => {
      const due = Math.max(Date.now() + proxy.delayMs, lastDue);
      lastDue = due;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!client.destroyed) client.write(chunk);
      }, due - Date.now());
      timers.add(timer);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    // The server closing (HTTP servers do after an answer) is passed on after the delayed chunks.
    const endLater = () => {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          end();
        },
        Math.max(0, lastDue - Date.now()),
      );
      timers.add(timer);
    };
    upstream.on('close', endLater).on('error', endLater);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  (proxy as { port: number }).port = (server.address() as { port: number }).port;

  function close(): Promise<void> {
    for (const timer of timers) clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return proxy;
}
