import type { OAuthToken, TokenStore } from '@tokens/core';

/** The least work the bare driver needs for the same result as each store operation. */
export interface RawDriver {
  seed(tokens: OAuthToken[]): Promise<void>;
  findByUser(user: string): unknown;
  findByRefresh(refreshToken: string): unknown;
  findById(id: string): unknown;
  updateUser(token: OAuthToken): unknown;
  /** Inserts at version 1. */
  insert(token: OAuthToken): unknown;
  /**
   * Compare-and-set in one statement (a conditional `UPDATE … WHERE version = ?`, a Lua script):
   * sets the user's access token and expiry time and bumps the version iff it is `version`;
   * returns (or resolves to) whether it did.
   */
  casUpdate(token: OAuthToken & { userSignature: string }, version: number): unknown;
  list(): unknown;
}

/** A store and its raw driver, each on connections of its own. */
export interface Connected {
  store: TokenStore;
  raw?: RawDriver;
  close(): Promise<void>;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface Prepared extends Connected {
  /**
   * Server backends: where the server listens, and how to open another store and raw driver on the
   * same data through `at` instead (the bench's round-trip counting proxy). `close` of the
   * result closes only those clients.
   */
  server?: { endpoint: Endpoint; connect(at: Endpoint): Promise<Connected> };
}

export interface Subject {
  backend: string;
  /** Server backends are also measured with 32 operations in flight, and their round trips counted. */
  server: boolean;
  sizes?: number[];
  /** Fewer samples for a slow server (FerretDB scans), so a full run stays within minutes. */
  samples?: number;
  /** A fresh, empty store (and raw driver) at the bench's scale, or a reason it cannot run here. */
  open(): Promise<Prepared | string>;
}
