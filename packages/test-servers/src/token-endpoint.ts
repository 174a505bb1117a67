import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOST } from './net.js';

/**
 * How the endpoint answers: `oauth2` per RFC 6749 (errors as HTTP 400/401 with `error`), `zoho`
 * like Zoho's accounts server (errors as HTTP 200 with `error`, `api_domain` in every token answer).
 */
export type TokenEndpointFlavor = 'oauth2' | 'zoho';

/** A failure the endpoint answers instead of a token. */
export type TokenEndpointFault =
  | { kind: 'status'; status: number }
  | { kind: 'invalid_grant' }
  | { kind: 'throttle' }
  /** Holds the request for `ms` before answering it normally (or never, if the client goes away). */
  | { kind: 'delay'; ms: number };

export interface TokenEndpointOptions {
  flavor?: TokenEndpointFlavor;
  /** A new refresh token with every refresh; the used one is rejected afterwards (default false). */
  rotate?: boolean;
  /** `expires_in` of issued access tokens, in seconds (default 3600). */
  expiresInSeconds?: number;
  /** Zoho only: send the older API's pair `expires_in` (ms) + `expires_in_sec` (default false). */
  expiresInSec?: boolean;
  clientId?: string;
  clientSecret?: string;
  /** The `api_domain` of Zoho answers (default the endpoint's own URL). */
  apiDomain?: string;
}

export interface TokenEndpointRequest {
  grantType: string | null;
  refreshToken: string | null;
  clientId: string | null;
  /** How the client authenticated: HTTP Basic, form fields, or not at all. */
  auth: 'basic' | 'post' | 'none';
  scope: string | null;
  answer: 'token' | 'invalid_grant' | 'invalid_client' | 'status' | 'throttle' | 'bad_request';
}

export interface TokenEndpoint {
  /** `http://127.0.0.1:<port>`: Zoho's accounts URL (the token path is `/oauth/v2/token`). */
  readonly url: string;
  /** The token endpoint URL for RFC 6749 clients (the same path). */
  readonly tokenUrl: string;
  /** Every request to the token path, in arrival order. */
  readonly requests: readonly TokenEndpointRequest[];
  /** Requests that got a token. */
  readonly issued: number;
  /** Requests answered `invalid_grant` (an unknown or already rotated refresh token). */
  readonly invalidGrants: number;
  /** The most requests in flight at one moment: above 1 means two refreshes overlapped. */
  readonly maxConcurrent: number;
  /** The access token of the last token answer. */
  readonly lastAccessToken: string | null;
  /** The refresh token the endpoint accepts now (with `rotate`, the latest one it issued). */
  readonly currentRefreshToken: string | null;
  /** Accepts this refresh token from now on (with `rotate`, instead of the previous ones). */
  grant(refreshToken: string): void;
  /** Answers the next `count` requests with `fault` (queued after earlier faults). */
  failNext(fault: TokenEndpointFault, count?: number): void;
  /** Forgets the request log and the counters (not the accepted refresh tokens). */
  reset(): void;
  close(): Promise<void>;
}

/** A real OAuth token endpoint on loopback, for tests of refreshers: counts, delays, fails, rotates. */
export async function startTokenEndpoint(options: TokenEndpointOptions = {}): Promise<TokenEndpoint> {
  const flavor = options.flavor ?? 'oauth2';
  const clientId = options.clientId ?? 'test-client';
  const clientSecret = options.clientSecret ?? 'test-client-secret';
  const expiresIn = options.expiresInSeconds ?? 3600;
  const accepted = new Set<string>();
  const faults: TokenEndpointFault[] = [];
  const requests: TokenEndpointRequest[] = [];
  const pending = new Set<ServerResponse>();
  let issued = 0;
  let invalidGrants = 0;
  let inFlight = 0;
  let maxConcurrent = 0;
  let lastAccessToken: string | null = null;
  let current: string | null = null;
  let serial = 0;
  let url = '';

  const send = (response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  const answer = async (request: IncomingMessage, response: ServerResponse, form: URLSearchParams) => {
    const basic = parseBasic(request.headers.authorization);
    const record: TokenEndpointRequest = {
      grantType: form.get('grant_type'),
      refreshToken: form.get('refresh_token'),
      clientId: basic?.id ?? form.get('client_id'),
      auth: basic ? 'basic' : form.has('client_secret') ? 'post' : 'none',
      scope: form.get('scope'),
      answer: 'token',
    };
    requests.push(record);
    let fault = faults.shift();
    if (fault?.kind === 'delay') {
      await new Promise((resolve) => setTimeout(resolve, fault && 'ms' in fault ? fault.ms : 0));
      fault = undefined;
    }
    const refuse = (status: number, error: string, what: TokenEndpointRequest['answer']) => {
      record.answer = what;
      send(response, flavor === 'zoho' ? 200 : status, { error });
    };
    if (fault?.kind === 'status') {
      record.answer = 'status';
      return send(response, fault.status, { error: 'server_error' });
    }
    if (fault?.kind === 'throttle') {
      record.answer = 'throttle';
      if (flavor === 'zoho') {
        return send(response, 200, {
          error_description: 'You have made too many requests continuously. Please try again after some time.',
          error: 'Access Denied',
          status: 'failure',
        });
      }
      return send(response, 429, { error: 'slow_down' }, { 'retry-after': '0' });
    }
    const secret = basic?.secret ?? form.get('client_secret');
    if (record.clientId !== clientId || secret !== clientSecret) return refuse(401, 'invalid_client', 'invalid_client');
    if (record.grantType !== 'refresh_token') return refuse(400, 'unsupported_grant_type', 'bad_request');
    if (fault?.kind === 'invalid_grant' || !record.refreshToken || !accepted.has(record.refreshToken)) {
      invalidGrants++;
      return refuse(400, flavor === 'zoho' ? 'invalid_code' : 'invalid_grant', 'invalid_grant');
    }
    issued++;
    serial++;
    const accessToken = `access-${serial}-${Math.random().toString(36).slice(2)}`;
    lastAccessToken = accessToken;
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer' };
    if (options.rotate) {
      accepted.delete(record.refreshToken);
      current = `refresh-${serial}-${Math.random().toString(36).slice(2)}`;
      accepted.add(current);
      body.refresh_token = current;
    }
    if (flavor === 'zoho') {
      body.api_domain = options.apiDomain ?? url;
      if (options.expiresInSec) {
        body.expires_in = expiresIn * 1000;
        body.expires_in_sec = expiresIn;
      } else body.expires_in = expiresIn;
    } else body.expires_in = expiresIn;
    send(response, 200, body);
  };

  const server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url?.split('?')[0] !== '/oauth/v2/token') {
      send(response, 404, { error: 'not_found' });
      return;
    }
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    pending.add(response);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      pending.delete(response);
    };
    // A client that went away (killed, timed out) ends its request too.
    response.once('close', finish);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      answer(request, response, form).catch(() => send(response, 500, { error: 'server_error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${HOST}:${port}`;

  return {
    url,
    tokenUrl: `${url}/oauth/v2/token`,
    get requests() {
      return requests;
    },
    get issued() {
      return issued;
    },
    get invalidGrants() {
      return invalidGrants;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    get lastAccessToken() {
      return lastAccessToken;
    },
    get currentRefreshToken() {
      return current;
    },
    grant(refreshToken) {
      if (options.rotate) accepted.clear();
      accepted.add(refreshToken);
      current = refreshToken;
    },
    failNext(fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    reset() {
      requests.length = 0;
      faults.length = 0;
      issued = 0;
      invalidGrants = 0;
      maxConcurrent = inFlight;
    },
    close() {
      for (const response of pending) response.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded.
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}
