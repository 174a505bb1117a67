import type { StoredToken } from '@tokens/core';
import { confirmOrRefuse } from '../confirm.js';
import { EXIT, UsageError } from '../failure.js';
import { type FilterFlags, filterFromFlags, isEmptyFilter, matchesFilter } from '../filters.js';
import { err, out } from '../output.js';
import { runPool } from '../pool.js';
import { createProgress } from '../progress.js';
import { type GlobalFlags, withStore } from '../session.js';
import { formatTable, LIST_HEADER, listRow } from '../table.js';
import { byUser, findOne } from './list.js';

export interface DeleteFlags extends GlobalFlags {
  yes?: boolean;
}

/** `tokens delete STORE ID|USER...`: shows what it found, asks, deletes. */
export async function deleteCommand(url: string, which: string[], flags: DeleteFlags): Promise<number> {
  return withStore(url, flags, async (store) => {
    const tokens: StoredToken[] = [];
    for (const item of which) tokens.push(await findOne(store, item));
    const now = Date.now();
    err(
      formatTable(
        LIST_HEADER,
        tokens.map((token) => listRow(token, now)),
      ),
    );
    await confirmOrRefuse(`Delete ${count(tokens.length)} from ${store.namespace}?`, flags.yes === true);
    for (const token of tokens) await store.deleteToken(token.id);
    out(`deleted ${count(tokens.length)}`);
    return EXIT.OK;
  });
}

export interface PurgeFlags extends GlobalFlags, FilterFlags {
  yes?: boolean;
  dryRun?: boolean;
  all?: boolean;
}

const PREVIEW = 10;

/** `tokens purge STORE --expired-for 30d`: deletes every token matching the filters, after asking. */
export async function purgeCommand(url: string, flags: PurgeFlags): Promise<number> {
  const filter = filterFromFlags(flags);
  if (isEmptyFilter(filter) && !flags.all) {
    throw new UsageError('purge needs a filter (--expired-for 30d, --expired, --user GLOB, ...) or --all to delete every token');
  }
  return withStore(url, flags, async (store) => {
    const now = Date.now();
    const tokens = (await store.getTokens()).filter((token) => matchesFilter(token, filter, now)).sort(byUser);
    if (tokens.length === 0) {
      out(`no token matches in ${store.namespace}: nothing to purge`);
      return EXIT.OK;
    }
    const preview = tokens.slice(0, PREVIEW).map((token) => listRow(token, now));
    err(formatTable(LIST_HEADER, preview));
    if (tokens.length > PREVIEW) err(`... and ${tokens.length - PREVIEW} more`);
    if (flags.dryRun) {
      out(`dry run: would delete ${count(tokens.length)} from ${store.namespace}`);
      return EXIT.OK;
    }
    await confirmOrRefuse(`Delete ${count(tokens.length)} from ${store.namespace}?`, flags.yes === true);
    const progress = createProgress('purge', tokens.length);
    let done = 0;
    try {
      await runPool(
        tokens,
        16,
        () => false,
        async (token) => {
          await store.deleteToken(token.id);
          progress.update({ total: tokens.length, done: ++done, failed: 0 });
        },
      );
    } finally {
      progress.stop();
    }
    out(`deleted ${count(tokens.length)} from ${store.namespace}`);
    return EXIT.OK;
  });
}

function count(n: number): string {
  return `${n} token${n === 1 ? '' : 's'}`;
}
