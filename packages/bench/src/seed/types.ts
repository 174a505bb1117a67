import type { OAuthToken, TokenStore } from '@tokens/core';

/** What the bare driver does for each measured operation, on its own copy of the data set. */
export interface ScaleRaw {
  findByUser(user: string): unknown;
  findByRefresh(refreshToken: string): unknown;
  /** `index`: the data set index of the token (raw stores keep their own ids). */
  findById(index: number): unknown;
  /** A partial update of the token at `index`: new access token and expiry time. */
  updateUser(index: number, token: OAuthToken & { userSignature: string }): unknown;
  insert(token: OAuthToken): unknown;
}

/** A figure of what n tokens take, divided by n. */
export interface Footprint {
  /** e.g. `heap`, `rss`, `disk`, `innodb data+index`, `used_memory`. */
  what: string;
  ours: number;
  raw?: number;
}

/** A store and its raw driver, each holding the same n tokens, seeded in bulk. */
export interface ScalePrepared {
  store: TokenStore;
  /** Ours' ids by data set index. */
  ids: string[];
  raw: ScaleRaw;
  seedMs: { ours: number; raw: number };
  footprint: Footprint[];
  /** Extra figures worth a line in the report (file store startup, compaction...), in ms. */
  timings?: Record<string, number>;
  /** How many records ours holds, counted by the driver without loading them. */
  rawCount(): Promise<number>;
  /** After the measurements: figures that need the store's own end of life (file: the compaction in close()). */
  finish?(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface ScaleBackend {
  name: string;
  /** In-process backends run on every machine; server backends start their server (test-servers). */
  server: boolean;
  /**
   * A store and raw driver seeded with tokens 0..n-1, or a reason this backend cannot run here.
   * Where the seeder writes the backend's layout itself, it first checks on a tiny separate store
   * (`checkLayout` in its file) that a token the store saved and the same token the seeder wrote
   * look the same in storage, and throws if not: seeding never starts on a layout that drifted.
   */
  prepare(n: number, log: (message: string) => void): Promise<ScalePrepared | string>;
}
