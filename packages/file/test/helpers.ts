import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-file-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Reads a journal independently of the backend: complete lines only, header first, then replays
 * put/delete/clear for one namespace. Throws on anything malformed.
 */
export function rawRecords(path: string, namespace: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (text === '') return [];
  const lines = text.slice(0, text.lastIndexOf('\n')).split('\n');
  const header = JSON.parse(lines[0] ?? '');
  if (header.format !== '@tokens/file' || header.version !== 1) throw new Error('bad header');
  const live = new Map<string, Record<string, unknown>>();
  for (const line of lines.slice(1)) {
    const entry = JSON.parse(line);
    if (entry.ns !== namespace) continue;
    if (entry.op === 'put') live.set(entry.token.id, entry.token);
    else if (entry.op === 'delete') live.delete(entry.id);
    else if (entry.op === 'clear') live.clear();
    else throw new Error(`unknown op ${entry.op}`);
  }
  return [...live.values()];
}
