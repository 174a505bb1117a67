import { readFile } from 'node:fs/promises';
import type { TokenStore } from '@tokens/core';
import { emptyReport, type ImportIssue, type ImportReport } from './report.js';
import { importRow, type ZohoRow } from './rows.js';

/** The columns of the SDKs' FileStore; the user column is `user_mail` (TypeScript SDKs, nodejs-sdk-2.0) or `user_name` (nodejs-sdk-8.0). */
const COLUMNS: Record<string, keyof ZohoRow> = {
  id: 'id',
  user_mail: 'user',
  user_name: 'user',
  client_id: 'clientId',
  client_secret: 'clientSecret',
  refresh_token: 'refreshToken',
  access_token: 'accessToken',
  grant_token: 'grantToken',
  expiry_time: 'expiryTime',
  redirect_url: 'redirectUrl',
  api_domain: 'apiDomain',
};
const REQUIRED = ['id', 'client_id', 'client_secret', 'refresh_token', 'access_token', 'grant_token', 'expiry_time', 'redirect_url'];

export interface ParsedCsv {
  rows: { line: number; row: ZohoRow }[];
  issues: ImportIssue[];
}

export type ZohoCsvImportOptions = Record<never, never>;

/**
 * Reads the text of a Zoho SDK FileStore. The format has no quoting: a value holding a comma
 * shifts its row's cells and one holding a line break splits it in two, so any line whose cell
 * count differs from the header's is reported (line number, reason) and left out, never guessed.
 */
export function parseZohoCsv(text: string): ParsedCsv {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  const header = (lines[0] ?? '').split(',').map((name) => name.trim());
  const unknown = header.filter((name) => !(name in COLUMNS));
  const missing = REQUIRED.filter((name) => !header.includes(name));
  if (unknown.length > 0 || missing.length > 0 || !header.some((name) => COLUMNS[name] === 'user')) {
    throw new Error(
      `@tokens/zoho: importZohoFileStore: not a Zoho SDK token file (header ${missing.length ? `lacks ${missing.join(', ')}` : `has unknown columns ${unknown.join(', ')}`}; expected id,user_mail|user_name,client_id,…)`,
    );
  }
  const rows: ParsedCsv['rows'] = [];
  const issues: ImportIssue[] = [];
  for (let index = 1; index < lines.length; index++) {
    const text = lines[index] as string;
    if (text.trim() === '') continue;
    const cells = text.split(',');
    const line = index + 1;
    if (cells.length !== header.length) {
      // Only a line with extra cells surely starts a record; the second half of a split row
      // starts inside some value, maybe a secret, so its first cell is never shown.
      const id = cells.length > header.length && cells[0] && /^[\w-]{1,64}$/.test(cells[0]) ? { id: cells[0] } : {};
      issues.push({
        row: line,
        ...id,
        reason: `${cells.length} cells where the header has ${header.length}: a value holds a comma or a line break (the SDK's CSV has no quoting)`,
      });
      continue;
    }
    const row: ZohoRow = {
      id: null,
      user: null,
      clientId: null,
      clientSecret: null,
      refreshToken: null,
      accessToken: null,
      grantToken: null,
      expiryTime: null,
      redirectUrl: null,
      apiDomain: null,
    };
    header.forEach((name, column) => {
      const value = cells[column] as string;
      row[COLUMNS[name] as keyof ZohoRow] = value === '' ? null : value;
    });
    rows.push({ line, row });
  }
  return { rows, issues };
}

/**
 * Copies the tokens of a Zoho SDK `FileStore` CSV into a store. Re-running it updates the tokens
 * it imported before instead of duplicating them. The file is only read.
 */
export async function importZohoFileStore(csvPath: string, store: TokenStore, _options: ZohoCsvImportOptions = {}): Promise<ImportReport> {
  const text = await readFile(csvPath, 'utf8').catch((error: unknown) => {
    const code = (error as { code?: unknown })?.code;
    throw new Error(`@tokens/zoho: importZohoFileStore: cannot read ${csvPath} (${typeof code === 'string' ? code : 'error'})`, {
      cause: error,
    });
  });
  const { rows, issues } = parseZohoCsv(text);
  const report = emptyReport();
  report.skipped += issues.length;
  report.issues.push(...issues);
  for (const { line, row } of rows) await importRow(store, row, line, report);
  report.issues.sort((a, b) => a.row - b.row);
  return report;
}
