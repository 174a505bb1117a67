import { createServer, type Server, Socket } from 'node:net';
import { HOST } from './net.js';

export interface CountingProxy {
  readonly host: string;
  readonly port: number;
  /**
   * Client→server bursts since the last {@link reset}: on each connection, data from the client
   * that follows data from the server (or is the first on it). With one operation in flight at a
   * time this is the number of round trips the client waited for.
   */
  readonly bursts: number;
  /** Connections the client opened since the last {@link reset}. */
  readonly connections: number;
  /** Sets both counters to 0 (after a warm-up: connection handshakes are not an operation's cost). */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of `target` that passes every byte through unchanged, as soon as
 * it arrives, and counts round trips from what it sees on the wire rather than from what a driver
 * claims: a request split over several TCP segments is one burst; a pipeline (a whole MULTI…EXEC
 * in one write) is one burst; a read answered and then a write sent is two. Counts every
 * connection's bursts together, so a pool's connections all count.
 */
export async function startCountingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  let bursts = 0;
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(target.port, target.host);
    // The direction of the last data on this connection: a burst starts when it turns client→server.
    let clientSpokeLast = false;
    client.on('data', (chunk) => {
      if (!clientSpokeLast) bursts++;
      clientSpokeLast = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      clientSpokeLast = false;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: HOST,
    port,
    get bursts() {
      return bursts;
    },
    get connections() {
      return connections;
    },
    reset() {
      bursts = 0;
      connections = 0;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
