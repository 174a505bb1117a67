import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { quoteIdentifier } from '../src/schema.js';

/** A temp directory removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every row of a namespace's table, read through the given connection, all columns as stored. */
export function rawRows(db: Database.Database, namespace: string): unknown[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(namespace);
  return exists ? db.prepare(`SELECT * FROM ${quoteIdentifier(namespace)}`).all() : [];
}

export { Database };
