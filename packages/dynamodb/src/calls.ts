import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { cancellationCodes, isThrottling } from './errors.js';
import type { Item } from './items.js';

const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 1_000;
/** Attempts of a transaction that DynamoDB cancelled only because another one touched its items. */
const CONFLICT_ATTEMPTS = 5;

/** A transaction's outcome: written, or the cancellation code of each of its items. */
export type TransactionResult = { written: true } | { written: false; codes: string[] };

/**
 * The DynamoDB calls of one backend operation, all under one deadline: the abort signal cancels
 * whatever is in flight when it fires. Throttled calls are retried with full-jitter backoff on
 * top of the SDK's own retries, since a caller's client may be set to retry little.
 */
export class Calls {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #maxThrottleAttempts: number;
  readonly #signal: AbortSignal;

  constructor(client: DynamoDBClient, table: string, maxThrottleAttempts: number, signal: AbortSignal) {
    this.#client = client;
    this.#table = table;
    this.#maxThrottleAttempts = maxThrottleAttempts;
    this.#signal = signal;
  }

  get client(): DynamoDBClient {
    return this.#client;
  }

  /** A strongly consistent read: a save acknowledged anywhere is seen at once. */
  async get(key: Item, projection?: string): Promise<Item | null> {
    const out = await this.send((o) =>
      this.#client.send(
        new GetItemCommand({
          TableName: this.#table,
          Key: key,
          ConsistentRead: true,
          ...(projection ? { ProjectionExpression: projection } : {}),
        }),
        o,
      ),
    );
    return out.Item ?? null;
  }

  /** Every item of the partition whose sort key starts with `prefix`, page by page (1 MB each). */
  async query(partition: string, prefix: string, projection?: string): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: partition }, ':prefix': { S: prefix } },
        ConsistentRead: true,
        ExclusiveStartKey,
        ...(projection ? { ProjectionExpression: projection } : {}),
      };
      const out = await this.send((o) => this.#client.send(new QueryCommand(input), o));
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /**
   * All or nothing. A cancellation for a failed condition is an answer (`written: false` with
   * the code per item); one caused only by a concurrent transaction on the same items is retried.
   */
  async transact(items: TransactWriteItem[]): Promise<TransactionResult> {
    const TransactItems = items;
    for (let attempt = 1; ; attempt++) {
      try {
        // The SDK fills ClientRequestToken once per command: its own retries are idempotent.
        await this.send((o) => this.#client.send(new TransactWriteItemsCommand({ TransactItems }), o));
        return { written: true };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (!codes) throw error;
        if (codes.includes('ConditionalCheckFailed')) return { written: false, codes };
        const onlyConflicts = codes.every((code) => code === 'None' || code === 'TransactionConflict');
        if (!onlyConflicts || attempt >= CONFLICT_ATTEMPTS || this.#signal.aborted) throw error;
        await this.sleep(jitter(attempt));
      }
    }
  }

  async sleep(ms: number): Promise<void> {
    const signal = this.#signal;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async send<Output>(run: (options: { abortSignal: AbortSignal }) => Promise<Output>): Promise<Output> {
    for (let attempt = 1; ; attempt++) {
      // The SDK leaves its abort listener on the signal it is given: a signal per call keeps the
      // operation's signal from collecting one per call (a long Query makes many).
      const call = new AbortController();
      const abort = () => call.abort();
      this.#signal.addEventListener('abort', abort, { once: true });
      try {
        return await run({ abortSignal: call.signal });
      } catch (error) {
        const throttled =
          isThrottling(error) || cancellationCodes(error)?.some((code) => code.includes('Throughput') || code === 'ThrottlingError');
        if (!throttled || attempt >= this.#maxThrottleAttempts || this.#signal.aborted) throw error;
        await this.sleep(jitter(attempt));
      } finally {
        this.#signal.removeEventListener('abort', abort);
      }
    }
  }
}

function jitter(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}
