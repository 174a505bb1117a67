import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequest {
  grantType: string;
  code?: string;
  refreshToken?: string;
}

/**
 * A local Zoho: the accounts server (`POST /oauth/v2/token`, authorization_code and
 * refresh_token grants) and the CRM API the SDKs call (`settings/fields`, `users`, `<Module>`
 * records), on one loopback port. It answers with its own `api_domain`, so every SDK keeps
 * talking to it.
 */
export class ZohoServer {
  readonly tokenRequests: TokenRequest[] = [];
  readonly apiRequests: { path: string; authorization: string | undefined }[] = [];
  /** Refuse refreshes with 400 `invalid_code`, as Zoho does for a revoked refresh token. */
  refuseRefresh = false;
  /** Seconds an issued access token lives. */
  expiresIn = 3600;
  #issued = 0;
  #server: Server | undefined;
  url = '';

  static async start(): Promise<ZohoServer> {
    const zoho = new ZohoServer();
    const server = createServer((request, response) => {
      void zoho.#answer(request).then(({ status, body }) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    zoho.#server = server;
    zoho.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return zoho;
  }

  get tokenUrl(): string {
    return `${this.url}/oauth/v2/token`;
  }

  count(grantType: 'authorization_code' | 'refresh_token'): number {
    return this.tokenRequests.filter((request) => request.grantType === grantType).length;
  }

  reset(): void {
    this.tokenRequests.length = 0;
    this.apiRequests.length = 0;
    this.refuseRefresh = false;
    this.expiresIn = 3600;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const url = new URL(request.url ?? '/', this.url);
    if (url.pathname === '/oauth/v2/token') return this.#token(raw);
    this.apiRequests.push({ path: url.pathname, authorization: request.headers.authorization });
    if (!request.headers.authorization?.startsWith('Zoho-oauthtoken ')) return { status: 401, body: { code: 'AUTHENTICATION_FAILURE' } };
    if (url.pathname.endsWith('/settings/fields')) return { status: 200, body: { fields: [] } };
    if (url.pathname.endsWith('/settings/modules')) return { status: 200, body: { modules: [] } };
    if (url.pathname.endsWith('/users')) return { status: 200, body: { users: [{ id: '9', email: 'current@example.com' }] } };
    return {
      status: 200,
      body: { data: [{ id: '4150868000000224005', Last_Name: 'Smith' }], info: { per_page: 200, count: 1, page: 1, more_records: false } },
    };
  }

  #token(raw: string): { status: number; body: unknown } {
    const field = (name: string) => formField(raw, name);
    const grantType = field('grant_type') ?? '';
    const entry: TokenRequest = { grantType };
    const code = field('code');
    const refreshToken = field('refresh_token');
    if (code) entry.code = code;
    if (refreshToken) entry.refreshToken = refreshToken;
    this.tokenRequests.push(entry);
    const n = ++this.#issued;
    if (grantType === 'refresh_token') {
      if (this.refuseRefresh) return { status: 400, body: { error: 'invalid_code' } };
      // Zoho sends no new refresh token on a refresh: the stored one must survive.
      return { status: 200, body: { access_token: `access-${n}`, expires_in: this.expiresIn, api_domain: this.url, token_type: 'Bearer' } };
    }
    if (grantType === 'authorization_code') {
      return {
        status: 200,
        body: {
          access_token: `access-${n}`,
          refresh_token: `refresh-for-${code}`,
          expires_in: this.expiresIn,
          api_domain: this.url,
          token_type: 'Bearer',
        },
      };
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  }
}

/** A field of an urlencoded or multipart/form-data body (the SDKs send multipart, core urlencoded). */
function formField(raw: string, name: string): string | undefined {
  const multipart = new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(raw);
  if (multipart) return multipart[1];
  if (raw.includes('Content-Disposition')) return undefined;
  return new URLSearchParams(raw).get(name) ?? undefined;
}
