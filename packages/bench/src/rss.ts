// Run in its own process (node --expose-gc) so the figure holds only this store's tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '@tokens/core';
import { createFileStore } from '@tokens/file';
import { createMemoryStore } from '@tokens/memory';
import { tokenAt } from './fixtures.js';

const [backend = 'memory', count = '100000'] = process.argv.slice(2);
const n = Number(count);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-rss-'));
const store: TokenStore = backend === 'file' ? createFileStore({ path: join(dir, 'tokens.jsonl') }) : createMemoryStore();
await store.findTokenById('warm-up');
gc();
const before = process.memoryUsage().rss;
for (let i = 0; i < n; i++) await store.saveToken(tokenAt(i));
gc();
const after = process.memoryUsage().rss;
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ backend, n, bytesPerToken: (after - before) / n }));
