import { DeleteSecretCommand, GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AwsClientConfig, type MotoServer, startMoto } from '@tokens/test-servers';
import { afterAll } from 'vitest';

export interface TestServer {
  server: MotoServer;
  /** Options for stores under test: moto's endpoint and fake credentials, or only a region for real AWS. */
  config: AwsClientConfig;
  /** An independent client, for reading what landed and for cleanup. */
  raw: SecretsManagerClient;
}

/**
 * Starts moto (or, with TOKENS_TEST_AWS=1, uses the real account) for one test file; `null`
 * when moto is not installed locally, and the file's suites skip. In CI a missing moto throws.
 */
export async function useServer(): Promise<TestServer | null> {
  const server = await startMoto();
  if (!server) return null;
  const config = { ...server.clientConfig };
  const raw = new SecretsManagerClient(config);
  afterAll(async () => {
    raw.destroy();
    await server.dispose();
  });
  return { server, config, raw };
}

/** Names of every secret under a prefix (moto and AWS match the name filter as a prefix). */
export async function secretNames(raw: SecretsManagerClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const out = await raw.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], NextToken }));
    for (const secret of out.SecretList ?? []) if (secret.Name?.startsWith(prefix)) names.push(secret.Name);
    NextToken = out.NextToken;
  } while (NextToken);
  return names;
}

/** The namespace's token secrets as stored: one parsed JSON value per token. */
export async function rawTokens(raw: SecretsManagerClient, namespace: string): Promise<unknown[]> {
  const names = await secretNames(raw, `tokens/${namespace}/t/`);
  return Promise.all(
    names.map(
      async (name) => JSON.parse((await raw.send(new GetSecretValueCommand({ SecretId: name }))).SecretString ?? 'null') as unknown,
    ),
  );
}

export async function deleteNamespaces(raw: SecretsManagerClient, namespaces: readonly string[]): Promise<void> {
  for (const namespace of namespaces) {
    for (const name of await secretNames(raw, `tokens/${namespace}/`)) {
      await raw.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => undefined);
    }
  }
}
