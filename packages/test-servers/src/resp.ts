import { connect, type Socket } from 'node:net';
import { HOST } from './net.js';

export type RespValue = string | number | null | RespValue[];

/** An error reply (`-ERR ...`), as a value: callers decide whether it is fatal. */
export class RespError extends Error {
  override name = 'RespError';
}

/**
 * One connection to a Redis node, commands answered in order: enough RESP2 for cluster
 * administration (thousands of SETSLOT/MIGRATE in a reshard), where a connection per command would
 * leave thousands of sockets in TIME_WAIT on the ports other servers draw from.
 */
export class RespConnection {
  readonly #socket: Socket;
  readonly #waiting: { resolve: (value: RespValue) => void; reject: (error: Error) => void }[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => this.#receive(chunk));
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(port: number, timeoutMs = 2_000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: HOST, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${HOST}:${port} in time`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Sends a command; resolves with its reply, or with a RespError for an error reply. */
  send(...args: (string | number)[]): Promise<RespValue | RespError> {
    if (this.#failure) return Promise.reject(this.#failure);
    const parts = args.map(String);
    const request = `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write(request);
    });
  }

  /** Like send, but an error reply rejects. */
  async call(...args: (string | number)[]): Promise<RespValue> {
    const reply = await this.send(...args);
    if (reply instanceof RespError) throw reply;
    return reply;
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const parsed = parse(this.#buffer, 0);
      if (!parsed) return;
      this.#buffer = this.#buffer.subarray(parsed.end);
      this.#waiting.shift()?.resolve(parsed.value as RespValue);
    }
  }
}

/** One reply from `offset`, or undefined while it is incomplete. */
function parse(data: Buffer, offset: number): { value: RespValue | RespError; end: number } | undefined {
  const lineEnd = data.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const line = data.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(data[offset] as number)) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (data.length < next + length + 2) return undefined;
      return { value: data.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let end = next;
      for (let index = 0; index < count; index++) {
        const item = parse(data, end);
        if (!item) return undefined;
        // Error replies nested in arrays (EXEC) are not used here; keep their text.
        items.push(item.value instanceof RespError ? item.value.message : item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(data.toString('utf8', offset, offset + 1))}`);
  }
}
