/**
 * What the store needs of a better-sqlite3 `Database`, written out so that this package's public
 * types do not refer to better-sqlite3's: that package ships no types, and a TypeScript user with
 * `skipLibCheck: false` would otherwise need `@types/better-sqlite3` just to compile. A
 * better-sqlite3 `Database` (typed or not) is one; the store relies on better-sqlite3 behaviour,
 * so hand it nothing else.
 */
export interface SqliteDatabase {
  readonly open: boolean;
  prepare(source: string): unknown;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction(fn: (...args: never[]) => unknown): unknown;
  close(): unknown;
}
