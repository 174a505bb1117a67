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

export interface RedisClusterOptions {
  /** Masters sharing the 16384 slots (default 3). */
  masters?: number;
  /** Replicas of each master (default 0). */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a silent master takes to be failed over (default 5,000 ms). */
  nodeTimeoutMs?: number;
}

/** One node as the cluster sees it (CLUSTER NODES of a live node). */
export interface RedisClusterNode {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId: string | null;
  /** Marked failed (or suspected: `fail?`) by the cluster. */
  failed: boolean;
  /** The slots it serves, ascending (masters). */
  slots: number[];
}

export interface RedisClusterServer {
  /** Every node, masters first as created (replicas too: any of them works as a seed). */
  nodes: { host: string; port: number }[];
  readonly external: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
  /** The cluster as a live node sees it. Local clusters only (so are the methods below). */
  topology(): Promise<RedisClusterNode[]>;
  /** `CLUSTER KEYSLOT key`. */
  keySlot(key: string): Promise<number>;
  /** SIGKILLs the node on `port`, as a crash would; `start()` starts every stopped node again. */
  kill(port: number): Promise<void>;
  /**
   * Resolves once every live node reports cluster_state:ok and every slot served by a live master,
   * and all of them agree on who serves what (after a kill: once a replica was promoted).
   */
  waitForHealthy(timeoutMs?: number): Promise<RedisClusterNode[]>;
  /**
   * `redis-cli --cluster reshard`: moves `slots` slots (the lowest ones, as redis-cli picks them)
   * from the master on port `from` to the master on port `to`, keys included. With `include`, fails
   * before moving anything unless that slot is among them. Resolves with the moved slots once the
   * cluster agrees on the new owner.
   */
  reshard(options: { from: number; to: number; slots: number; include?: number }): Promise<number[]>;
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
