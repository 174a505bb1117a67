import { connect, type Socket } from 'node:net';

/**
 * Bulk writes to Redis over a socket of its own, in the wire protocol, like `redis-cli --pipe`:
 * ioredis spends ~10 µs of JavaScript per pipelined command, which is most of the time of
 * seeding millions of commands on a busy machine. Only for commands whose replies are one line
 * (`+OK`, `:1`, `-ERR ...`): a reply is counted per CRLF, and any error reply fails the load.
 */
export class RespPipe {
  readonly #socket: Socket;
  #replies = 0;
  #error: Error | undefined;
  #waiters: Array<{ until: number; resolve: () => void; reject: (error: Error) => void }> = [];
  #sent = 0;
  #chunks: string[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      for (let at = data.indexOf('\r\n'); at >= 0; at = data.indexOf('\r\n', at + 2)) this.#replies++;
      // Line starts are "\r\n" + one byte; a line split across chunks only delays its count.
      if (data.startsWith('-') || data.includes('\r\n-')) this.#fail(new Error('redis seed: the server refused a command'));
      this.#wake();
    });
    socket.on('error', (error) => this.#fail(error));
  }

  static open(host: string, port: number): Promise<RespPipe> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RespPipe(socket)));
      socket.once('error', reject);
    });
  }

  /** Queues one command (sent by `flush`). */
  command(...args: string[]): void {
    let text = `*${args.length}\r\n`;
    for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    this.#chunks.push(text);
    this.#sent++;
  }

  /** Sends what is queued, then waits until at most `inFlight` commands are unanswered. */
  async flush(inFlight = 0): Promise<void> {
    if (this.#chunks.length > 0) {
      const ready = this.#socket.write(this.#chunks.join(''));
      this.#chunks = [];
      if (!ready) await new Promise((resolve) => this.#socket.once('drain', resolve));
    }
    const until = this.#sent - inFlight;
    if (this.#error) throw this.#error;
    if (this.#replies >= until) return;
    await new Promise<void>((resolve, reject) => this.#waiters.push({ until, resolve, reject }));
  }

  close(): void {
    this.#socket.destroy();
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#replies < waiter.until) return true;
      waiter.resolve();
      return false;
    });
  }

  #fail(error: Error): void {
    this.#error ??= error;
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters = [];
  }
}
