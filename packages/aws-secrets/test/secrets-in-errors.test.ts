import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectRefusalWithoutSecrets, secretsOf, secretToken as token } from '@tokens/test-servers';
import { describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';

// AWS SDK errors keep the service's message and the raw response (`$response`); an endpoint
// (or a proxy in front of it) that quotes the request in its error body puts the secret there.
// (moto accepts what these tests need refused, so they run against endpoints of their own.)

const hex = () => randomBytes(8).toString('hex');
const freshNamespace = () => `sie_${hex()}`;

/**
 * A Secrets Manager endpoint that knows no secret, accepts the key-index claims and refuses to
 * create a token secret with a 400 ValidationException whose message quotes the request body.
 */
async function echoingEndpoint(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const action = String(request.headers['x-amz-target'] ?? '')
        .split('.')
        .pop();
      const input = JSON.parse(body || '{}') as { Name?: string; SecretId?: string; ClientRequestToken?: string };
      const answer = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'test-request-id' });
        response.end(JSON.stringify(payload));
      };
      if (action === 'GetSecretValue') return answer(400, { __type: 'ResourceNotFoundException', message: 'not found' });
      if (action === 'CreateSecret' && !input.Name?.includes('/t/')) {
        return answer(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:1:secret:${input.Name}`,
          Name: input.Name,
          VersionId: input.ClientRequestToken,
        });
      }
      if (action === 'DeleteSecret') return answer(200, { Name: input.SecretId });
      answer(400, { __type: 'ValidationException', message: `invalid request: ${body}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('aws-secrets: no secret in errors provoked from real endpoints', () => {
  const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: `sak-${hex()}` };

  it('a service error whose message quotes the request (the SecretString)', async () => {
    const echo = await echoingEndpoint();
    try {
      await using store = createAwsSecretsStore({
        endpoint: echo.endpoint,
        region: 'us-east-1',
        credentials,
        namespace: freshNamespace(),
        maxAttempts: 1,
        operationTimeoutMs: 5_000,
      });
      const refused = token();
      const error = await expectRefusalWithoutSecrets(store.saveToken(refused), {
        code: 'UNAVAILABLE',
        secrets: [credentials.secretAccessKey, ...secretsOf(refused)],
        what: 'a refused call',
      });
      expect((error as Error).cause).toMatchObject({ name: 'ValidationException', httpStatusCode: 400 });
    } finally {
      await echo.close();
    }
  });

  it('an endpoint that refuses connections (the signing secret is not revealed)', async () => {
    await using store = createAwsSecretsStore({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials,
      namespace: freshNamespace(),
      maxAttempts: 1,
      operationTimeoutMs: 3_000,
    });
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'UNAVAILABLE',
      secrets: [credentials.secretAccessKey, ...secretsOf(refused)],
      what: 'an unreachable endpoint',
    });
  });
});
