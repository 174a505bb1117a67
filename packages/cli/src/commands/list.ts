import type { StoredToken, TokenStore } from '@tokens/core';
import { CliError, EXIT } from '../failure.js';
import { type FilterFlags, filterFromFlags, matchesFilter } from '../filters.js';
import { out } from '../output.js';
import { type GlobalFlags, withStore } from '../session.js';
import { detailLines, formatTable, LIST_HEADER, listRow, visibleToken } from '../table.js';

export interface ListFlags extends GlobalFlags, FilterFlags {
  json?: boolean;
  reveal?: boolean;
}

/** `tokens list STORE`: a table (or JSON) of the tokens matching the filters, sorted by user. */
export async function listCommand(url: string, flags: ListFlags): Promise<void> {
  const filter = filterFromFlags(flags);
  await withStore(url, flags, async (store) => {
    const now = Date.now();
    const tokens = (await store.getTokens()).filter((token) => matchesFilter(token, filter, now)).sort(byUser);
    if (flags.json) {
      out(
        JSON.stringify(
          tokens.map((token) => visibleToken(token, flags.reveal === true)),
          null,
          2,
        ),
      );
      return;
    }
    if (tokens.length > 0)
      out(
        formatTable(
          LIST_HEADER,
          tokens.map((token) => listRow(token, now)),
        ),
      );
    const expired = tokens.filter((token) => token.expiryTime !== null && token.expiryTime <= now).length;
    out(`${tokens.length} token${tokens.length === 1 ? '' : 's'}${expired ? ` (${expired} expired)` : ''} in ${store.namespace}`);
  });
}

export function byUser(a: StoredToken, b: StoredToken): number {
  const ua = a.userSignature ?? '';
  const ub = b.userSignature ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface ShowFlags extends GlobalFlags {
  json?: boolean;
  reveal?: boolean;
}

/** `tokens show STORE ID|USER`: every field of one token (found by id, else by user). */
export async function showCommand(url: string, which: string, flags: ShowFlags): Promise<void> {
  await withStore(url, flags, async (store) => {
    const token = await findOne(store, which);
    const now = Date.now();
    if (flags.json) out(JSON.stringify(visibleToken(token, flags.reveal === true), null, 2));
    else out(detailLines(token, flags.reveal === true, now).join('\n'));
  });
}

/** By id first, then by user: operators paste either. */
export async function findOne(store: TokenStore, which: string): Promise<StoredToken> {
  const byId = which.length <= 255 ? await store.findTokenById(which) : null;
  const token = byId ?? (await store.findToken({ userSignature: which }));
  if (!token) throw new CliError('NOT_FOUND', `no token with id or user "${which}" in ${store.namespace}`, EXIT.FINDINGS);
  return token;
}
