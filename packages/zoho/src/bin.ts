#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { importZohoFileStore } from './import/csv.js';
import { importZohoDbStore } from './import/db.js';
import type { ImportReport } from './import/report.js';
import { openTarget, safeTarget } from './import/target.js';

const USAGE = `Usage:
  tokens-zoho-import --from-csv <zcrm_oauthtokens.txt> --to <store> [--namespace NS]
  tokens-zoho-import --from-mysql mysql://user:pass@host:3306/zohooauth [--table oauthtoken] --to <store>

<store>: sqlite:PATH | file:PATH | redis://HOST:PORT | mysql://… | mongodb://…
Copies the tokens of the Zoho SDK's FileStore / DBStore into an @tokens store. Re-running updates
instead of duplicating; rows that cannot be read are reported and skipped. Exit code 0 when the
import ran (even with skipped rows), 1 on an error.`;

function print(report: ImportReport, source: string, target: string): void {
  console.log(`${source} -> ${target}`);
  console.log(`imported ${report.imported}, updated ${report.updated}, unchanged ${report.unchanged}, skipped ${report.skipped}`);
  for (const issue of report.issues) console.log(`  skipped row ${issue.row}${issue.id ? ` (id ${issue.id})` : ''}: ${issue.reason}`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'from-csv': { type: 'string' },
      'from-mysql': { type: 'string' },
      table: { type: 'string' },
      to: { type: 'string' },
      namespace: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const sources = [values['from-csv'], values['from-mysql']].filter((value) => value !== undefined);
  if (sources.length !== 1 || !values.to) {
    console.error(USAGE);
    return 1;
  }
  const store = await openTarget(values.to, values.namespace);
  try {
    const csv = values['from-csv'];
    const mysql = values['from-mysql'];
    const report =
      csv !== undefined
        ? await importZohoFileStore(csv, store)
        : await importZohoDbStore({ uri: mysql as string, ...(values.table ? { table: values.table } : {}) }, store);
    if (values.json) console.log(JSON.stringify(report));
    else print(report, csv ?? safeTarget(mysql as string), safeTarget(values.to));
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Our errors say what happened without secrets; a driver's may not, so only its name is shown.
    const message = error instanceof Error && error.message.startsWith('@tokens/') ? error.message : `${(error as Error)?.name ?? 'Error'}`;
    console.error(`tokens-zoho-import: ${message}`);
    process.exitCode = 1;
  },
);
