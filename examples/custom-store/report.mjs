// The suite without a test runner: prints one line per case, and the rule and the reason for every
// failure. `node report.mjs` checks the object store; `node report.mjs --broken` the broken one.
import { formatReport, runConformance } from '@tokens/core/conformance';
import { createBrokenStore } from './broken-store.mjs';
import { createObjectStore } from './object-store.mjs';

const broken = process.argv.includes('--broken');
const create = broken ? createBrokenStore : createObjectStore;
const shelf = {};
const report = await runConformance({
  name: broken ? 'object store, case-insensitive keys' : 'object store',
  open: (namespace) => create(namespace, shelf),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => Object.values(shelf[namespace] ?? {}) },
});
console.log(formatReport(report));
process.exitCode = report.failed > 0 ? 1 : 0;
