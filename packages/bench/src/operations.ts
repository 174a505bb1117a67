import type { StoredToken, TokenStore } from '@tokens/core';
import { CLIENT, indexPicker, tokenAt } from './fixtures.js';
import type { Operation } from './measure.js';
import type { Connected, RawDriver } from './subject.js';

/** One measured operation: ours, and the raw driver doing the least work for the same result. */
export interface OperationPair {
  name: string;
  ours: Operation;
  raw?: Operation;
  /** Listing reads everything: fewer samples. */
  heavy?: boolean;
}

/** The seeded data set both sides hold: tokens 0..n-1, ours' ids by index. */
export interface DataSet {
  n: number;
  ids: string[];
  users: string[];
  refreshTokens: string[];
}

export function dataSet(n: number, ids: string[]): DataSet {
  return {
    n,
    ids,
    // Keys are computed up front so neither side of a ratio pays for building them.
    users: Array.from({ length: n }, (_, i) => tokenAt(i).userSignature),
    refreshTokens: Array.from({ length: n }, (_, i) => tokenAt(i).refreshToken),
  };
}

export const VERSIONED_SAVE = 'versioned save (compare-and-set)';
export const SAVE_UPDATE = 'saveToken (update a user)';
export const FIND_BY_USER = 'findToken by user';

/** A pass over the operations: `run` unique to the bench run, `pass` to the pass within it. */
export interface Pass {
  run: string;
  pass: number;
  /**
   * Tokens of the versioned-save ring: few enough to set up in a moment (moto copies its table per
   * insert), enough that the compare-and-sets do not all hit one row.
   */
  ring: number;
}

/**
 * The bench's operations on `target`. Every token a pass writes (users, access tokens) is unique to
 * it, so passes (timed, counted through the proxy, under load) never collide on a unique key.
 * With `versioned`, sets up the versioned-save ring (untimed): `ring` fresh tokens per side whose
 * versions are tracked, so each compare-and-set is given the version it would have read and must succeed.
 */
export async function operations(target: Connected, data: DataSet, { run, pass, ring }: Pass, versioned = true): Promise<OperationPair[]> {
  const { store, raw } = target;
  const { n, ids, users, refreshTokens } = data;
  const tag = `${run}p${pass}`;
  // Data-set indices of the tokens this pass creates, by purpose: far above the seeded 0..n-1.
  const fresh = (purpose: number) => n + pass * 100_000_000 + purpose * 10_000_000;
  const pick = indexPicker(n);
  const user = (i: number) => users[pick(i)] ?? '';
  const base = tokenAt(0);
  const pairs: OperationPair[] = [
    {
      name: FIND_BY_USER,
      ours: (i) => store.findToken({ userSignature: user(i) }),
      raw: raw && ((i) => raw.findByUser(user(i))),
    },
    {
      name: 'findToken by refresh token',
      ours: (i) => store.findToken({ refreshToken: refreshTokens[pick(i)], ...CLIENT }),
      raw: raw && ((i) => raw.findByRefresh(refreshTokens[pick(i)] ?? '')),
    },
    {
      name: 'findTokenById',
      ours: (i) => store.findTokenById(ids[pick(i)] ?? ''),
      raw: raw && ((i) => raw.findById(`raw-${pick(i)}`)),
    },
    {
      name: SAVE_UPDATE,
      ours: (i) => store.saveToken({ userSignature: user(i), accessToken: `1000.${tag}.upd.${i}`, expiryTime: 1_900_000_000_000 + i }),
      raw:
        raw &&
        ((i) =>
          raw.updateUser({
            ...base,
            userSignature: user(i),
            refreshToken: refreshTokens[pick(i)],
            accessToken: `1000.${tag}.rawupd.${i}`,
            expiryTime: 1_900_000_000_000 + i,
          })),
    },
    {
      name: 'saveToken (insert a user)',
      ours: (i) => store.saveToken(tokenAt(fresh(1) + i, `ins${tag}`)),
      raw: raw && ((i) => raw.insert(tokenAt(fresh(2) + i, `rawins${tag}`))),
    },
  ];
  if (versioned)
    pairs.push({
      name: VERSIONED_SAVE,
      ours: await oursVersioned(store, fresh(3), ring, tag),
      raw: raw && (await rawVersioned(raw, fresh(4), ring, tag)),
    });
  if (n <= 1_000) pairs.push({ name: 'getTokens', ours: () => store.getTokens(), raw: raw && (() => raw.list()), heavy: true });
  return pairs;
}

/**
 * What a refresh does once it has the token: `saveToken({ id, version, … })`, the compare-and-set
 * core's refresher and its lease make.
 */
async function oursVersioned(store: TokenStore, first: number, size: number, tag: string): Promise<Operation> {
  const ring: StoredToken[] = [];
  for (let j = 0; j < size; j++) ring.push(await store.saveToken(tokenAt(first + j, `cas${tag}`)));
  return async (i) => {
    const slot = i % ring.length;
    const { id, version } = ring[slot]!;
    ring[slot] = await store.saveToken({ id, version, accessToken: `1000.${tag}.cas.${i}`, expiryTime: 1_900_000_000_000 + i });
  };
}

/** The raw single-statement compare-and-set, by the user key (raw ids are the driver's own). */
async function rawVersioned(raw: RawDriver, first: number, size: number, tag: string): Promise<Operation> {
  const tokens = Array.from({ length: size }, (_, j) => tokenAt(first + j, `rawcas${tag}`));
  for (const token of tokens) await raw.insert(token);
  const ring = tokens.map((token) => token.userSignature);
  const versions = ring.map(() => 1);
  return async (i) => {
    const slot = i % ring.length;
    const version = versions[slot]!;
    const token = { userSignature: ring[slot]!, accessToken: `1000.${tag}.rawcas.${i}`, expiryTime: 1_900_000_000_000 + i };
    if (!(await raw.casUpdate(token, version))) throw new Error(`raw compare-and-set missed at version ${version}: the bench is wrong`);
    versions[slot] = version + 1;
  };
}
