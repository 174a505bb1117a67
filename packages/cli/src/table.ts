import { DATA_FIELDS, redactToken, SECRET_FIELDS, type StoredToken } from '@tokens/core';
import { isoDate, relativeExpiry } from './time.js';

/** Plain columns padded with spaces (no colours, no escape codes: safe to pipe, grep and paste). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** One-line cell: control characters and newlines (which a stored value may hold) shown escaped. */
export function cell(value: string | null): string {
  if (value === null) return '-';
  if (value === '') return '""';
  return JSON.stringify(value).slice(1, -1);
}

export const LIST_HEADER = ['USER', 'CLIENT ID', 'EXPIRES', '', 'VERSION', 'ID'] as const;

export function listRow(token: StoredToken, now: number): string[] {
  return [
    cell(token.userSignature),
    cell(token.clientId),
    isoDate(token.expiryTime),
    relativeExpiry(token.expiryTime, now),
    String(token.version),
    cell(token.id),
  ];
}

/** A token for `--json` and `show`: secrets as `[redacted]` unless revealed. */
export function visibleToken(token: StoredToken, reveal: boolean): StoredToken {
  const plain = { id: token.id, version: token.version } as StoredToken;
  for (const field of DATA_FIELDS) (plain as unknown as Record<string, unknown>)[field] = token[field];
  return reveal ? plain : redactToken(plain);
}

const LABELS: Record<string, string> = {
  id: 'id',
  version: 'version',
  userSignature: 'user',
  clientId: 'client id',
  clientSecret: 'client secret',
  redirectUrl: 'redirect url',
  grantToken: 'grant token',
  refreshToken: 'refresh token',
  accessToken: 'access token',
  expiryTime: 'expires',
  apiDomain: 'api domain',
};

/** `show`: one field a line. */
export function detailLines(token: StoredToken, reveal: boolean, now: number): string[] {
  const visible = visibleToken(token, reveal);
  const width = Math.max(...Object.values(LABELS).map((label) => label.length));
  const rows: [string, string][] = [
    ['id', cell(visible.id)],
    ['version', String(visible.version)],
  ];
  for (const field of DATA_FIELDS) {
    const label = LABELS[field] ?? field;
    if (field === 'expiryTime') {
      rows.push([label, `${isoDate(visible.expiryTime)} (${relativeExpiry(visible.expiryTime, now)})`]);
      continue;
    }
    const value = visible[field];
    const secret = (SECRET_FIELDS as readonly string[]).includes(field);
    rows.push([label, secret && !reveal && value ? `${value} (${token[field]?.length ?? 0} chars)` : cell(value)]);
  }
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
