import { isTokenStoreError, type OAuthToken, type TokenStore } from '@tokens/core';
import type { ImportReport } from './report.js';

/** One token as the SDK's FileStore or DBStore holds it: its columns, empty cells already null. */
export interface ZohoRow {
  id: string | null;
  user: string | null;
  clientId: string | null;
  clientSecret: string | null;
  refreshToken: string | null;
  accessToken: string | null;
  grantToken: string | null;
  expiryTime: string | null;
  redirectUrl: string | null;
  apiDomain: string | null;
}

const DATA_KEYS = [
  'userSignature',
  'clientId',
  'clientSecret',
  'redirectUrl',
  'grantToken',
  'refreshToken',
  'accessToken',
  'expiryTime',
  'apiDomain',
] as const;

/** Why a row cannot be a token, or null when it can. Reasons name columns, never values. */
export function rowProblem(row: ZohoRow): string | null {
  if (!row.id) return 'the id column is empty';
  if (!row.refreshToken && !row.accessToken && !row.grantToken) return 'no refresh, access or grant token';
  if (row.expiryTime !== null && !/^\d{1,16}$/.test(row.expiryTime)) return 'expiry_time is not a number of milliseconds';
  for (const [column, value] of [
    ['redirect_url', row.redirectUrl],
    ['api_domain', row.apiDomain],
  ] as const) {
    if (value !== null && !/^https?:\/\/[^\s,]+$/.test(value)) return `${column} is not a URL`;
  }
  return null;
}

function tokenOf(row: ZohoRow): OAuthToken {
  return {
    id: row.id,
    userSignature: row.user,
    clientId: row.clientId,
    clientSecret: row.clientSecret,
    redirectUrl: row.redirectUrl,
    grantToken: row.grantToken,
    refreshToken: row.refreshToken,
    accessToken: row.accessToken,
    expiryTime: row.expiryTime === null ? null : Number(row.expiryTime),
    apiDomain: row.apiDomain,
  };
}

/**
 * Saves one checked row. The SDK's id is kept, because apps build tokens by it
 * (`new OAuthBuilder().id('1')`); a re-run finds the token by that id (or by its user) and
 * updates it. An id the target store already uses for another user is refused, not merged.
 */
export async function importRow(store: TokenStore, row: ZohoRow, line: number, report: ImportReport): Promise<void> {
  const problem = rowProblem(row);
  const id = row.id ?? undefined;
  if (problem) {
    report.skipped++;
    report.issues.push({ row: line, ...(id ? { id } : {}), reason: problem });
    return;
  }
  const token = tokenOf(row);
  try {
    const byId = await store.findTokenById(row.id as string);
    if (byId && byId.userSignature !== null && row.user !== null && byId.userSignature !== row.user) {
      report.skipped++;
      report.issues.push({ row: line, ...(id ? { id } : {}), reason: 'the target store already has a token of another user with this id' });
      return;
    }
    const existing = byId ?? (row.user ? await store.findToken({ userSignature: row.user }) : null);
    if (existing && DATA_KEYS.every((key) => existing[key] === token[key])) {
      report.unchanged++;
      return;
    }
    await store.saveToken(existing && !byId ? { ...token, id: existing.id } : token);
    if (existing) report.updated++;
    else report.imported++;
  } catch (error) {
    // A token the store refuses (a value too long, a key another token holds) is one bad row;
    // a store that is down or closed stops the import.
    if (isTokenStoreError(error, 'INVALID_TOKEN') || isTokenStoreError(error, 'CONFLICT')) {
      report.skipped++;
      report.issues.push({ row: line, ...(id ? { id } : {}), reason: error.message });
      return;
    }
    throw error;
  }
}
