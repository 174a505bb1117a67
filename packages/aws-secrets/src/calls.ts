import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  type Filter,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { BackendFailure } from '@tokens/core';
import { errorName, isThrottling } from './errors.js';

export interface SecretValue {
  name: string;
  value: string | undefined;
  versionId: string | undefined;
  /** When this version was written (server clock). */
  createdAt: Date | undefined;
  /** The full ARN: unlike the name, it names this secret only, never one created later under that name. */
  arn?: string | undefined;
}

export interface CallOptions {
  client: SecretsManagerClient;
  /** Attempts of one call while Secrets Manager throttles. */
  maxThrottleAttempts: number;
}

const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 2_000;

/**
 * The Secrets Manager calls of one backend operation, all under one deadline: the abort signal
 * cancels whatever is in flight when it fires. Throttled calls are retried with full-jitter
 * backoff on top of the SDK's own retries, since a caller's client may be set to retry little.
 */
export class Calls {
  readonly #client: SecretsManagerClient;
  readonly #maxAttempts: number;
  readonly #signal: AbortSignal;

  constructor(options: CallOptions, signal: AbortSignal) {
    this.#client = options.client;
    this.#maxAttempts = options.maxThrottleAttempts;
    this.#signal = signal;
  }

  /** The current value, or null when there is no such secret (or it is scheduled for deletion). */
  async get(name: string): Promise<SecretValue | null> {
    try {
      const out = await this.#send((o) => this.#client.send(new GetSecretValueCommand({ SecretId: name }), o));
      return { name, value: out.SecretString, versionId: out.VersionId, createdAt: out.CreatedDate, arn: out.ARN };
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
  }

  /** Creates the secret, or returns false when the name is taken (or still reserved). */
  async create(name: string, value: string, versionId: string, tags: Tag[], kmsKeyId: string | undefined): Promise<string | false> {
    try {
      const out = await this.#send((o) =>
        this.#client.send(
          new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: versionId, Tags: tags, KmsKeyId: kmsKeyId }),
          o,
        ),
      );
      return out.VersionId ?? versionId;
    } catch (error) {
      if (errorName(error) === 'ResourceExistsException') return false;
      // AWS: the name of a secret scheduled for deletion stays reserved until it is gone.
      if (isGone(error)) return false;
      throw error;
    }
  }

  /** Writes a new current version under `versionId`; 'taken' if that id holds another value, 'gone' if there is no secret. */
  async put(name: string, value: string, versionId: string): Promise<'written' | 'taken' | 'gone'> {
    try {
      await this.#send((o) =>
        this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: versionId }), o),
      );
      return 'written';
    } catch (error) {
      const kind = errorName(error);
      if (kind === 'ResourceExistsException' || kind === 'IdempotentParameterMismatchException') return 'taken';
      if (isGone(error)) return 'gone';
      throw error;
    }
  }

  async delete(name: string, recoveryWindowInDays: number | undefined): Promise<void> {
    try {
      const input =
        recoveryWindowInDays === undefined
          ? { SecretId: name, ForceDeleteWithoutRecovery: true }
          : { SecretId: name, RecoveryWindowInDays: recoveryWindowInDays };
      await this.#send((o) => this.#client.send(new DeleteSecretCommand(input), o));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }

  /** Values of every secret matching the filters: 20 per call. Eventually consistent, like ListSecrets. */
  async batchGet(filters: Filter[]): Promise<SecretValue[]> {
    const values: SecretValue[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.#send((o) =>
        this.#client.send(new BatchGetSecretValueCommand({ Filters: filters, MaxResults: 20, NextToken }), o),
      );
      for (const error of out.Errors ?? []) {
        if (error.ErrorCode !== 'ResourceNotFoundException') {
          throw new BackendFailure('UNAVAILABLE', `Secrets Manager could not read a secret (${error.ErrorCode ?? 'unknown error'})`);
        }
      }
      for (const secret of out.SecretValues ?? []) {
        if (secret.Name)
          values.push({
            name: secret.Name,
            value: secret.SecretString,
            versionId: secret.VersionId,
            createdAt: secret.CreatedDate,
            arn: secret.ARN,
          });
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return values;
  }

  /** Names of every secret matching the filters: 100 per call. Eventually consistent. */
  async listNames(filters: Filter[]): Promise<string[]> {
    return (await this.listTagged(filters)).map((secret) => secret.name);
  }

  /** Names and tags of every secret matching the filters (tag filters match by prefix: check the tags). */
  async listTagged(filters: Filter[]): Promise<{ name: string; tags: Tag[] }[]> {
    const secrets: { name: string; tags: Tag[] }[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.#send((o) => this.#client.send(new ListSecretsCommand({ Filters: filters, MaxResults: 100, NextToken }), o));
      for (const secret of out.SecretList ?? []) if (secret.Name) secrets.push({ name: secret.Name, tags: secret.Tags ?? [] });
      NextToken = out.NextToken;
    } while (NextToken);
    return secrets;
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

  async #send<Output>(run: (options: { abortSignal: AbortSignal }) => Promise<Output>): Promise<Output> {
    for (let attempt = 1; ; attempt++) {
      // The SDK leaves its abort listener on the signal it is given: a signal per call keeps the
      // operation's signal from collecting one per call (getTokens and deleteTokens make many).
      const call = new AbortController();
      const abort = () => call.abort();
      this.#signal.addEventListener('abort', abort, { once: true });
      try {
        return await run({ abortSignal: call.signal });
      } catch (error) {
        if (!isThrottling(error) || attempt >= this.#maxAttempts || this.#signal.aborted) throw error;
        await this.sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      } finally {
        this.#signal.removeEventListener('abort', abort);
      }
    }
  }
}

/** No such secret, or one scheduled for deletion: both are "not there" to a reader. */
function isGone(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'ResourceNotFoundException' ||
    (name === 'InvalidRequestException' && /deleted|deletion/i.test(String((error as Error).message)))
  );
}
