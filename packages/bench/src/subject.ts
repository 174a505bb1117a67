import type { OAuthToken, TokenStore } from '@tokens/core';

/** The least work the bare driver needs for the same result as each store operation. */
export interface RawDriver {
  seed(tokens: OAuthToken[]): Promise<void>;
  findByUser(user: string): unknown;
  findByRefresh(refreshToken: string): unknown;
  findById(id: string): unknown;
  updateUser(token: OAuthToken): unknown;
  insert(token: OAuthToken): unknown;
  list(): unknown;
}

export interface Prepared {
  store: TokenStore;
  raw?: RawDriver;
  close(): Promise<void>;
}

export interface Subject {
  backend: string;
  /** Server backends are also measured with 32 operations in flight. */
  server: boolean;
  sizes?: number[];
  /** Fewer samples for a slow server (FerretDB scans), so a full run stays within minutes. */
  samples?: number;
  /** A fresh, empty store (and raw driver) at the bench's scale, or a reason it cannot run here. */
  open(): Promise<Prepared | string>;
}
