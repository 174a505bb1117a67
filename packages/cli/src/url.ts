import { UsageError } from './failure.js';

/** Which backend a store URL names. */
export type StoreKind =
  | 'memory'
  | 'file'
  | 'sqlite'
  | 'mysql'
  | 'postgres'
  | 'redis'
  | 'redis-cluster'
  | 'mongo'
  | 'aws-secrets'
  | 'dynamodb'
  | 'zoho-csv'
  | 'zoho-mysql';

/** A parsed store URL: the options of the backend's factory, and how to print it safely. */
export interface StoreSpec {
  kind: StoreKind;
  /** Options for the backend's factory, one-to-one with its documented options. */
  options: Record<string, unknown>;
  /** The URL with its password replaced by `***`: the only form ever printed. */
  display: string;
  /** Values that must never appear on screen (the URL's password). */
  secrets: string[];
  /** Zoho SDK stores are sources for `copy`, never targets. */
  readOnly: boolean;
  /** `?encrypted=true` and its companions: which environment variables hold the keys. */
  encryption?: { keysEnv: string; indexKeyEnv: string; allowPlaintext: boolean };
}

type ParamType = 'string' | 'number' | 'boolean';
type ParamTypes = Record<string, ParamType>;

const TIMEOUTS: ParamTypes = { connectTimeoutMs: 'number', operationTimeoutMs: 'number' };
/**
 * Encryption at rest (core's `encryption` option, on every store): keys are read from environment
 * variables, never from the URL (shell history, process lists).
 */
const ENCRYPTION: ParamTypes = { encrypted: 'boolean', keysEnv: 'string', indexKeyEnv: 'string', allowPlaintext: 'boolean' };
const NAMESPACE: ParamTypes = { namespace: 'string', ...ENCRYPTION };

/**
 * Query-string options per kind (names and types as in the backend's options). For driver URLs
 * (mysql, postgres, redis, mongodb) any other query parameter stays in the URL for the driver.
 */
export const URL_PARAMS: Record<StoreKind, ParamTypes> = {
  memory: NAMESPACE,
  file: { ...NAMESPACE, fsync: 'boolean', lockTimeoutMs: 'number' },
  sqlite: { ...NAMESPACE, fsync: 'boolean', busyTimeoutMs: 'number' },
  mysql: { ...NAMESPACE, ...TIMEOUTS, poolSize: 'number' },
  postgres: { ...NAMESPACE, ...TIMEOUTS, poolSize: 'number', schema: 'string' },
  redis: { ...NAMESPACE, ...TIMEOUTS },
  'redis-cluster': { ...NAMESPACE, ...TIMEOUTS },
  mongo: { ...NAMESPACE, ...TIMEOUTS, database: 'string' },
  'aws-secrets': {
    ...NAMESPACE,
    ...TIMEOUTS,
    endpoint: 'string',
    prefix: 'string',
    maxAttempts: 'number',
    maxThrottleAttempts: 'number',
    forceDeleteWithoutRecovery: 'boolean',
    recoveryWindowInDays: 'number',
    kmsKeyId: 'string',
    staleClaimMs: 'number',
  },
  dynamodb: {
    ...NAMESPACE,
    ...TIMEOUTS,
    endpoint: 'string',
    table: 'string',
    createTable: 'boolean',
    maxAttempts: 'number',
    maxThrottleAttempts: 'number',
  },
  'zoho-csv': {},
  'zoho-mysql': { table: 'string', connectTimeoutMs: 'number' },
};

const PASS_THROUGH: ReadonlySet<StoreKind> = new Set(['mysql', 'postgres', 'redis', 'mongo', 'zoho-mysql']);

const SCHEMES: Record<string, StoreKind> = {
  memory: 'memory',
  file: 'file',
  sqlite: 'sqlite',
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
  redis: 'redis',
  rediss: 'redis',
  'redis+cluster': 'redis-cluster',
  'rediss+cluster': 'redis-cluster',
  mongodb: 'mongo',
  'mongodb+srv': 'mongo',
  'aws-secrets': 'aws-secrets',
  dynamodb: 'dynamodb',
  'zoho-csv': 'zoho-csv',
  'zoho-mysql': 'zoho-mysql',
};

export const URL_EXAMPLES = [
  'sqlite:./tokens.db',
  'file:./tokens.jsonl',
  'mysql://user:pass@host:3306/db',
  'postgres://user:pass@host:5432/db',
  'redis://host:6379/0',
  'redis+cluster://host1:7000,host2:7001',
  'mongodb://host:27017/db',
  'aws-secrets://eu-west-1?endpoint=http://localhost:5000',
  'dynamodb://eu-west-1?endpoint=http://localhost:8000&table=tokens',
  'zoho-csv:./tokens.csv',
  'zoho-mysql://user:pass@host:3306/zohooauth?table=oauthtoken',
  'memory:',
];

/** Parses a store URL into the options of its backend's factory. Throws a usage error naming the problem. */
export function parseStoreUrl(input: string): StoreSpec {
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(input);
  const scheme = match?.[1]?.toLowerCase();
  const kind = scheme === undefined ? undefined : SCHEMES[scheme];
  if (!match || !scheme || !kind) {
    throw new UsageError(`not a store URL: ${safeScheme(input)} (try e.g. ${URL_EXAMPLES.slice(0, 3).join(', ')})`);
  }
  const rest = match[2] ?? '';
  const [base, query] = splitQuery(rest);
  const auth = authority(base);
  const secrets = auth.password ? [auth.password, encodeURIComponent(auth.password)] : [];
  const display = `${scheme}:${auth.password === undefined ? base : redactPassword(base)}${query ? `?${redactQuery(query)}` : ''}`;
  const { options, remaining } = takeParams(kind, new URLSearchParams(query), display);
  const driverUrl = (protocol: string) => `${protocol}:${base}${remaining ? `?${remaining}` : ''}`;

  switch (kind) {
    case 'memory':
      break;
    case 'file':
    case 'sqlite':
    case 'zoho-csv':
      options.path = localPath(base, input, kind);
      break;
    case 'mysql':
      options.uri = driverUrl('mysql');
      break;
    case 'postgres':
      options.url = driverUrl('postgres');
      break;
    case 'redis':
    case 'mongo':
      options.url = driverUrl(scheme);
      break;
    case 'zoho-mysql':
      options.uri = driverUrl('mysql');
      break;
    case 'redis-cluster':
      options.cluster = clusterOptions(auth, scheme === 'rediss+cluster');
      break;
    case 'aws-secrets':
    case 'dynamodb':
      if (auth.hosts) options.region = auth.hosts;
      if (auth.password !== undefined || auth.user) {
        throw new UsageError(
          `${display}: credentials do not go in the URL; use the AWS SDK's environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...)`,
        );
      }
      break;
  }
  const encryption = takeEncryption(options, display);
  return { kind, options, display, secrets, readOnly: kind === 'zoho-csv' || kind === 'zoho-mysql', ...(encryption ? { encryption } : {}) };
}

function takeEncryption(options: Record<string, unknown>, display: string): StoreSpec['encryption'] {
  const { encrypted, keysEnv, indexKeyEnv, allowPlaintext } = options;
  for (const name of Object.keys(ENCRYPTION)) delete options[name];
  const wanted = encrypted === true || keysEnv !== undefined || indexKeyEnv !== undefined;
  if (!wanted) {
    if (allowPlaintext !== undefined) throw new UsageError(`${display}: allowPlaintext goes with encrypted=true`);
    return undefined;
  }
  if (encrypted === false) throw new UsageError(`${display}: keysEnv/indexKeyEnv go with encrypted=true`);
  return {
    keysEnv: (keysEnv as string | undefined) ?? 'TOKENS_ENCRYPTION_KEYS',
    indexKeyEnv: (indexKeyEnv as string | undefined) ?? 'TOKENS_INDEX_KEY',
    allowPlaintext: allowPlaintext === true,
  };
}

/** Options named in the query string, typed; the rest stays for the driver (or is an error). */
function takeParams(kind: StoreKind, params: URLSearchParams, display: string): { options: Record<string, unknown>; remaining: string } {
  const known = URL_PARAMS[kind];
  const options: Record<string, unknown> = {};
  const rest = new URLSearchParams();
  for (const [name, value] of params) {
    const type = known[name];
    if (type === undefined) {
      if (PASS_THROUGH.has(kind)) {
        rest.append(name, value);
        continue;
      }
      const names = Object.keys(known);
      throw new UsageError(`${display}: unknown option "${name}" (${names.length ? `known: ${names.join(', ')}` : 'this URL takes none'})`);
    }
    options[name] = typed(name, value, type, display);
  }
  return { options, remaining: rest.toString() };
}

function typed(name: string, value: string, type: ParamType, display: string): unknown {
  if (type === 'string') return value;
  if (type === 'boolean') {
    if (value === 'true' || value === '1' || value === '') return true;
    if (value === 'false' || value === '0') return false;
    throw new UsageError(`${display}: ${name} must be true or false`);
  }
  const number = Number(value);
  if (value === '' || !Number.isFinite(number)) throw new UsageError(`${display}: ${name} must be a number`);
  return number;
}

function splitQuery(rest: string): [string, string] {
  const at = rest.indexOf('?');
  return at === -1 ? [rest, ''] : [rest.slice(0, at), rest.slice(at + 1)];
}

interface Authority {
  user?: string;
  password?: string;
  /** `host:port` or `h1:p1,h2:p2` (or a region for the AWS kinds). */
  hosts: string;
}

/** The `user:password@hosts` part of `//user:password@hosts/path`; done by hand, since `new URL` rejects host lists. */
function authority(base: string): Authority {
  if (!base.startsWith('//')) return { hosts: '' };
  const end = base.indexOf('/', 2);
  const part = base.slice(2, end === -1 ? undefined : end);
  const at = part.lastIndexOf('@');
  if (at === -1) return { hosts: part };
  const info = part.slice(0, at);
  const colon = info.indexOf(':');
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return {
    user: decode(colon === -1 ? info : info.slice(0, colon)),
    ...(colon === -1 ? {} : { password: decode(info.slice(colon + 1)) }),
    hosts: part.slice(at + 1),
  };
}

function redactPassword(base: string): string {
  const end = base.indexOf('/', 2);
  const part = base.slice(2, end === -1 ? undefined : end);
  const at = part.lastIndexOf('@');
  const colon = part.indexOf(':');
  if (at === -1 || colon === -1 || colon > at) return base;
  return `//${part.slice(0, colon)}:***${part.slice(at)}${end === -1 ? '' : base.slice(end)}`;
}

const SECRET_PARAM = /pass|secret|token|key|credential/i;

function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  for (const [name] of params) if (SECRET_PARAM.test(name)) params.set(name, '***');
  return params.toString();
}

function localPath(base: string, input: string, kind: StoreKind): string {
  // file:///abs/path and file://./rel are URL forms; file:./rel and file:/abs are what people type.
  const path = base.startsWith('//') ? base.slice(2) : base;
  if (path === '') throw new UsageError(`${safeScheme(input)}: give a path, e.g. ${kind}:./tokens.${kind === 'file' ? 'jsonl' : 'db'}`);
  return path;
}

function clusterOptions(auth: Authority, tls: boolean): Record<string, unknown> {
  const nodes = auth.hosts.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    const host = colon === -1 ? node : node.slice(0, colon);
    const port = colon === -1 ? 6379 : Number(node.slice(colon + 1));
    if (!host || !Number.isInteger(port) || port <= 0) throw new UsageError(`redis+cluster: "${node}" is not host:port`);
    return { host, port };
  });
  const redisOptions: Record<string, unknown> = {};
  if (auth.user) redisOptions.username = auth.user;
  if (auth.password !== undefined) redisOptions.password = auth.password;
  if (tls) redisOptions.tls = {};
  return { nodes, options: Object.keys(redisOptions).length ? { redisOptions } : {} };
}

/** The scheme alone: the only part of an unparsable argument that is safe to echo. */
function safeScheme(input: string): string {
  const colon = input.indexOf(':');
  if (colon === -1) return input.length > 40 ? `${input.slice(0, 40)}…` : input;
  return `${input.slice(0, colon)}:…`;
}
