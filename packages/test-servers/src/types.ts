export interface ServerHandle {
  readonly host: string;
  readonly port: number;
  /** True when the handle points at a server named by an environment variable: stop/start throw. */
  readonly external: boolean;
  /** Kills the server process; its data dir and port are kept for {@link start}. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves when it answers. */
  start(): Promise<void>;
  /** Stops it and removes its temp dir (idempotent). */
  dispose(): Promise<void>;
}

export interface MariaDbServer extends ServerHandle {
  user: string;
  password: string;
  database: string;
}

export interface PostgresServer extends ServerHandle {
  /** `postgres://user:password@host:port/database` */
  url: string;
  user: string;
  password: string;
  database: string;
}

export interface RedisServer extends ServerHandle {
  url: string;
}

export interface RedisClusterServer {
  nodes: { host: string; port: number }[];
  readonly external: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export interface MongoServer extends ServerHandle {
  url: string;
}

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface MotoServer extends ServerHandle {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * What to pass to `new SecretsManagerClient(...)`: moto's endpoint and fake credentials, or with
   * TOKENS_TEST_AWS=1 only the region, so the SDK's default credential chain applies.
   */
  clientConfig: AwsClientConfig;
}
