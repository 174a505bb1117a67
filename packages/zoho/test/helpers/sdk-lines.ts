import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '@tokens/core';
import type { ZohoServer } from './zoho-server.js';

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: the SDKs' classes, driven the way their READMEs show.
type Any = any;

export interface TokenSpec {
  user?: string;
  grantToken?: string;
  refreshToken?: string;
  id?: string;
  clientId?: string;
  clientSecret?: string;
}

export const CLIENT_ID = '1000.CLIENTID';
export const CLIENT_SECRET = 'client-secret-do-not-print';

/**
 * One Zoho SDK line driven through its public API, as an app would: build a token, initialize,
 * call the CRM API (get records). The real package from npm, no copy of its classes.
 */
export interface SdkLine {
  readonly name: string;
  readonly pkg: string;
  readonly family: 'name' | 'mail';
  /** Our bridge for this line (the subpath entry point users import). */
  bridge(store: TokenStore): Promise<unknown>;
  token(spec: TokenSpec): Any;
  /** Initializes the SDK with this token (and its user) on our bridge, against the local Zoho. */
  initialize(token: Any, spec: TokenSpec, bridge: unknown): Promise<void>;
  /**
   * First logins of several users at once, through the SDK's own token routine
   * (`generateToken`; nodejs-sdk-2.0: `generateAccessToken(user, store)`).
   */
  loginAll(tokens: Any[], specs: TokenSpec[], bridge: unknown): Promise<void>;
  /** `getRecords` on Leads; resolves to the HTTP status. */
  getRecords(): Promise<number>;
  idOf(token: Any): string | null | undefined;
}

const resources = () => mkdtempSync(join(tmpdir(), 'tokens-zoho-sdk-'));

function modernLine(name: string, pkg: string, load: () => Promise<Any>, entry: () => Promise<Any>): SdkLine {
  let sdk: Any;
  let zoho: ZohoServer | undefined;
  const dir = resources();
  const line: SdkLine & { setServer(server: ZohoServer): void } = {
    name,
    pkg,
    family: 'name',
    setServer(server) {
      zoho = server;
    },
    async bridge(store) {
      const loaded = await load();
      sdk ??= loaded.default ?? loaded;
      return (await entry()).zohoStore(store, { leaseMs: 5_000, waitMs: 20_000 });
    },
    token(spec) {
      const builder = new sdk.OAuthBuilder().clientId(spec.clientId ?? CLIENT_ID).clientSecret(spec.clientSecret ?? CLIENT_SECRET);
      if (spec.user) builder.userSignature(new sdk.UserSignature(spec.user));
      if (spec.grantToken) builder.grantToken(spec.grantToken);
      if (spec.refreshToken) builder.refreshToken(spec.refreshToken);
      if (spec.id) builder.id(spec.id);
      return builder.build();
    },
    async initialize(token, _spec, bridge) {
      if (!zoho) throw new Error('no server');
      const environment = new sdk.Environment(zoho.url, zoho.tokenUrl, zoho.url);
      await (await new sdk.InitializeBuilder()).environment(environment).token(token).store(bridge).resourcePath(dir).initialize();
    },
    async loginAll(tokens, specs, bridge) {
      await line.initialize(tokens[0], specs[0] as TokenSpec, bridge);
      await Promise.all(tokens.slice(1).map((token) => token.generateToken()));
    },
    async getRecords() {
      const response = await new sdk.Record.RecordOperations('Leads').getRecords(new sdk.ParameterMap(), new sdk.HeaderMap());
      return response.getStatusCode();
    },
    idOf: (token) => token.getId(),
  };
  return line;
}

function nodejs2Line(): SdkLine {
  const base = '@zohocrm/nodejs-sdk-2.0';
  const get = (path: string, name: string) => require(`${base}/${path}`)[name];
  let zoho: ZohoServer | undefined;
  const dir = resources();
  let initialized: Promise<void> = Promise.resolve();
  const environment = () => {
    const Environment = get('routes/dc/environment', 'Environment');
    return new Environment(zoho?.url, zoho?.tokenUrl, zoho?.url, 'local');
  };
  const line: SdkLine & { setServer(server: ZohoServer): void } = {
    name: 'nodejs-sdk-2.0',
    pkg: base,
    family: 'mail',
    setServer(server) {
      zoho = server;
    },
    async bridge(store) {
      return (await import('../../src/entries/nodejs-sdk-2.0.js')).zohoStore(store, { leaseMs: 5_000, waitMs: 20_000 });
    },
    token(spec) {
      const OAuthBuilder = get('models/authenticator/oauth_builder', 'OAuthBuilder');
      const builder = new OAuthBuilder().clientId(spec.clientId ?? CLIENT_ID).clientSecret(spec.clientSecret ?? CLIENT_SECRET);
      if (spec.grantToken) builder.grantToken(spec.grantToken);
      if (spec.refreshToken) builder.refreshToken(spec.refreshToken);
      if (spec.id) builder.id(spec.id);
      // This line's builder needs a grant, refresh or access token or an id; a user alone comes beside the token.
      if (!spec.grantToken && !spec.refreshToken && !spec.id) builder.refreshToken('placeholder-the-store-has-the-real-one');
      return builder.build();
    },
    async initialize(token, spec, bridge) {
      const UserSignature = get('routes/user_signature', 'UserSignature');
      const { InitializeBuilder } = require(`${base}/routes/initialize_builder`);
      const { LogBuilder } = require(`${base}/routes/logger/log_builder`);
      const { SDKConfigBuilder } = require(`${base}/routes/sdk_config_builder`);
      const Initializer = get('routes/initializer', 'Initializer');
      const user = new UserSignature(spec.user ?? 'nobody@example.com');
      const logger = new LogBuilder().level('error').filePath(join(dir, 'sdk.log')).build();
      (await new InitializeBuilder())
        .user(user)
        .environment(environment())
        .token(token)
        .store(bridge)
        .SDKConfig(new SDKConfigBuilder().build())
        .resourcePath(dir)
        .logger(logger)
        .initialize();
      // This line's initialize() does not wait for Initializer.initialize: wait until it has taken effect.
      initialized = (async () => {
        for (let i = 0; i < 200; i++) {
          const current = await Initializer.getInitializer();
          if (current?.getToken() === token) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        throw new Error('nodejs-sdk-2.0 did not initialize');
      })();
      await initialized;
    },
    async loginAll(tokens, specs, bridge) {
      const UserSignature = get('routes/user_signature', 'UserSignature');
      await line.initialize(tokens[0], specs[0] as TokenSpec, bridge);
      // One current user per process in this line: its token routine takes the user as an argument.
      await Promise.all(tokens.map((token, i) => token.generateAccessToken(new UserSignature(specs[i]?.user), bridge)));
    },
    async getRecords() {
      await initialized;
      const RecordOperations = get('core/com/zoho/crm/api/record/record_operations', 'RecordOperations');
      const ParameterMap = get('routes/parameter_map', 'ParameterMap');
      const HeaderMap = get('routes/header_map', 'HeaderMap');
      const response = await new RecordOperations().getRecords('Leads', new ParameterMap(), new HeaderMap());
      return response.getStatusCode();
    },
    idOf: (token) => token.getId(),
  };
  return line;
}

export type TestLine = SdkLine & { setServer(server: ZohoServer): void };

export function sdkLine(name: string): TestLine {
  switch (name) {
    case 'typescript-sdk-8.0':
      return modernLine(
        name,
        '@zohocrm/typescript-sdk-8.0',
        () => import('@zohocrm/typescript-sdk-8.0'),
        () => import('../../src/entries/typescript-sdk-8.0.js'),
      ) as TestLine;
    case 'typescript-sdk-7.0':
      return modernLine(
        name,
        '@zohocrm/typescript-sdk-7.0',
        () => import('@zohocrm/typescript-sdk-7.0'),
        () => import('../../src/entries/typescript-sdk-7.0.js'),
      ) as TestLine;
    case 'nodejs-sdk-8.0':
      return modernLine(
        name,
        '@zohocrm/nodejs-sdk-8.0',
        () => import('@zohocrm/nodejs-sdk-8.0'),
        () => import('../../src/entries/nodejs-sdk-8.0.js'),
      ) as TestLine;
    case 'nodejs-sdk-2.0':
      return nodejs2Line() as TestLine;
    default:
      throw new Error(`unknown SDK line ${name}`);
  }
}
