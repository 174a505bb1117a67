import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  applySavePlan,
  checkNamespace,
  type InsertResult,
  type LookupKey,
  type SaveOutcome,
  type SavePlan,
  type StoredToken,
  type TokenBackend,
  type UpdateResult,
} from '@tokens/core';
import { corrupt, type Entry, encodeEntry, HEADER_LINE, parseEntry, parseHeader } from './journal.js';
import { acquireLock, isGone } from './lock.js';
import { JournalState, type NamespaceState } from './state.js';

export interface FileBackendOptions {
  path: string;
  namespace?: string;
  fsync?: boolean;
  lockTimeoutMs?: number;
}

/** Compact when the journal is over twice its live size and over this many bytes. */
const COMPACT_MIN_BYTES = 1024 * 1024;
/**
 * A secret that left the live state (rotated, cleared, deleted) is compacted out of the file
 * within `max(STALE_SECRET_MS, STALE_SECRET_COST_FACTOR × the last compaction's duration)`:
 * saves stay one appended line, and compaction takes at most ~5% of the time however big the file.
 */
const STALE_SECRET_MS = 1000;
const STALE_SECRET_COST_FACTOR = 20;
/** Retries of a compaction that failed (e.g. a read-only directory) back off up to this. */
const STALE_RETRY_MAX_MS = 60_000;
/** close() compacts pending stale secrets, but waits at most this long for another process's lock. */
const CLOSE_LOCK_TIMEOUT_MS = 1000;
const NEWLINE = 0x0a;

/**
 * Tokens in one journal file. Every operation first catches up with the file (one stat; only new
 * bytes are read, everything when another process compacted it), then answers from in-memory
 * indexes. Writes take the inter-process lock, catch up, check, and append one line.
 *
 * File system calls are synchronous: they take microseconds, and a synchronous critical section
 * cannot interleave with this instance's other operations. Only waiting for the lock is async.
 */
export class FileBackend implements TokenBackend {
  readonly backend = 'file';
  readonly namespace: string;
  readonly path: string;
  readonly #lockPath: string;
  readonly #fsync: boolean;
  readonly #lockTimeoutMs: number;
  #state: JournalState;
  #fd: number | undefined;
  #ino = -1;
  #dev = -1;
  /** Bytes of complete lines read (the next line starts here), and how many lines that is. */
  #offset = 0;
  #lines = 0;
  #compactAt = COMPACT_MIN_BYTES;
  #queue: Promise<unknown> = Promise.resolve();
  /** When this instance first saw lines holding stale secrets in the file (undefined: none). */
  #staleSince: number | undefined;
  #staleTimer: NodeJS.Timeout | undefined;
  #staleRetryMs = 0;
  #compactMs = 0;
  #closed = false;

  constructor(options: FileBackendOptions) {
    this.namespace = checkNamespace(options.namespace, 'file');
    this.path = canonicalPath(options.path);
    this.#lockPath = `${this.path}.lock`;
    this.#fsync = options.fsync ?? false;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.#state = new JournalState(this.namespace);
  }

  getById(id: string): StoredToken | null {
    return this.#read().get(id);
  }

  findByKey(key: LookupKey): StoredToken | null {
    return this.#read().find(key);
  }

  list(): StoredToken[] {
    return [...this.#read().byId.values()].map((live) => live.token);
  }

  insert(record: StoredToken): Promise<InsertResult> {
    return this.#write((ns) => {
      if (ns.byId.has(record.id) || ns.collides(record)) return ['duplicate'];
      return ['inserted', { op: 'put', ns: this.namespace, token: record }];
    });
  }

  /**
   * The whole batch under one hold of the lock, each record checked as `insert` checks it, and the
   * new lines appended with one write: a crash leaves a prefix of whole lines, so each record is
   * atomic (core never sends two records of one batch that share an id or key).
   */
  insertMany(records: readonly StoredToken[]): Promise<InsertResult[]> {
    return this.#write((ns) => {
      const entries: Entry[] = [];
      const results = records.map((record): InsertResult => {
        if (ns.byId.has(record.id) || ns.collides(record)) return 'duplicate';
        entries.push({ op: 'put', ns: this.namespace, token: record });
        return 'inserted';
      });
      return [results, ...entries];
    });
  }

  update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    return this.#write((ns) => {
      if (ns.get(record.id)?.version !== expectedVersion) return ['stale'];
      if (ns.collides(record)) return ['duplicate'];
      return ['updated', { op: 'put', ns: this.namespace, token: record }];
    });
  }

  /** The whole save under one hold of the lock: no read before it, nothing between check and write. */
  save(plan: SavePlan): Promise<SaveOutcome> {
    return this.#write((ns): [SaveOutcome, Entry?] => {
      const target = (plan.id === undefined ? null : ns.get(plan.id)) ?? (plan.key ? ns.find(plan.key) : null);
      const planned = applySavePlan(plan, target);
      if (planned.write === 'none') return [planned.outcome];
      const inserting = planned.write === 'insert';
      if ((inserting && ns.byId.has(planned.record.id)) || ns.collides(planned.record)) return [{ status: 'duplicate', inserting }];
      return [
        { status: inserting ? 'inserted' : 'updated', record: planned.record },
        { op: 'put', ns: this.namespace, token: planned.record },
      ];
    });
  }

  delete(id: string): Promise<void> {
    return this.#write((ns) => [undefined, ns.byId.has(id) ? { op: 'delete', ns: this.namespace, id } : undefined]);
  }

  clear(): Promise<void> {
    return this.#write((ns) => [undefined, ns.byId.size > 0 ? { op: 'clear', ns: this.namespace } : undefined]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    this.#cancelStaleTimer();
    // A store that goes away does not leave a rotated or deleted secret in the file behind it.
    if (this.#fd !== undefined && this.#state.staleSecretLines > 0) {
      await this.#compactStale(Math.min(this.#lockTimeoutMs, CLOSE_LOCK_TIMEOUT_MS)).catch(() => undefined);
    }
    this.#reset();
  }

  describeError(error: unknown): { code: 'UNAVAILABLE'; reason: string } | undefined {
    const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
    if (typeof code !== 'string') return undefined;
    return { code: 'UNAVAILABLE', reason: `${syscall ?? 'file system call'} failed with ${code} on ${path ?? this.path}` };
  }

  #read(): NamespaceState {
    this.#catchUp(false);
    this.#noteStale();
    return this.#state.namespace(this.namespace);
  }

  /**
   * Writes of this instance queue here first, so only one at a time polls for the file lock.
   * `decide` answers the result and the entries to append (none, one, or a batch's).
   */
  #write<T>(decide: (ns: NamespaceState) => [T, ...(Entry | undefined)[]]): Promise<T> {
    const since = Date.now();
    const run = async (): Promise<T> => {
      const release = await acquireLock(this.#lockPath, this.#lockTimeoutMs, since);
      try {
        this.#catchUp(true);
        const [result, ...decided] = decide(this.#state.namespace(this.namespace));
        const entries = decided.filter((entry) => entry !== undefined);
        if (entries.length > 0) this.#append(entries);
        this.#noteStale();
        if (entries.length > 0 && this.#offset > this.#compactAt && this.#offset > 2 * this.#state.liveBytes) this.#compact();
        else if (this.#staleSince !== undefined && Date.now() - this.#staleSince >= this.#staleDelay()) this.#compact();
        return result;
      } finally {
        release();
      }
    };
    const result = this.#queue.then(run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Brings the in-memory state up to the file. A writer (holding the lock) also creates a missing
   * or empty file and cuts off a torn tail: bytes after the last newline that no live process is
   * writing, since writers hold the lock.
   */
  #catchUp(writing: boolean): void {
    let stat = statSync(this.path, { throwIfNoEntry: false });
    if (!stat || stat.size === 0) {
      this.#reset();
      if (!writing) return;
      this.#writeWhole([HEADER_LINE], 0o600);
      stat = statSync(this.path);
    }
    if (this.#fd === undefined || stat.ino !== this.#ino || stat.dev !== this.#dev || stat.size < this.#offset) {
      this.#reset();
      this.#fd = openSync(this.path, 'r+');
      stat = fstatSync(this.#fd);
      this.#ino = stat.ino;
      this.#dev = stat.dev;
    }
    if (stat.size > this.#offset) {
      try {
        this.#readTo(stat.size);
      } catch (error) {
        this.#reset();
        throw error;
      }
    }
    if (writing && stat.size > this.#offset) ftruncateSync(this.#fd, this.#offset);
  }

  #readTo(size: number): void {
    const fd = this.#fd!;
    const buffer = Buffer.allocUnsafe(size - this.#offset);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, this.#offset + read);
      if (n === 0) break;
      read += n;
    }
    if (read === 0) return;
    const end = buffer.lastIndexOf(NEWLINE, read - 1) + 1;
    let start = 0;
    if (this.#offset === 0) {
      if (end === 0) throw corrupt(this.path, 1, 'the file ends inside its header (or is not a @tokens/file journal)');
      start = buffer.indexOf(NEWLINE) + 1;
      parseHeader(buffer.subarray(0, start - 1), this.path);
      this.#lines = 1;
    }
    while (start < end) {
      const stop = buffer.indexOf(NEWLINE, start);
      const line = this.#lines + 1;
      const entry = parseEntry(buffer.subarray(start, stop), this.path, line);
      if (!this.#state.apply(entry, stop + 1 - start)) throw corrupt(this.path, line, 'a unique key is held by two tokens');
      this.#lines = line;
      start = stop + 1;
    }
    this.#offset += end;
  }

  /** One write of all the lines; the state learns them only once they are all in the file. */
  #append(entries: readonly Entry[]): void {
    const fd = this.#fd!;
    const lines = entries.map((entry) => Buffer.from(encodeEntry(entry), 'utf8'));
    const bytes = lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines);
    try {
      for (let written = 0; written < bytes.length; ) {
        written += writeSync(fd, bytes, written, bytes.length - written, this.#offset + written);
      }
      if (this.#fsync) fsyncSync(fd);
    } catch (error) {
      // Not acknowledged: take the fragment back now rather than leave it to the next writer.
      try {
        ftruncateSync(fd, this.#offset);
      } catch {}
      throw error;
    }
    this.#offset += bytes.length;
    this.#lines += entries.length;
    for (const [i, entry] of entries.entries()) this.#state.apply(entry, (lines[i] as Buffer).length);
  }

  /** How long a stale secret may stay in the file: see STALE_SECRET_MS. */
  #staleDelay(): number {
    return Math.max(STALE_SECRET_MS, STALE_SECRET_COST_FACTOR * this.#compactMs, this.#staleRetryMs);
  }

  /** Starts (or ends) the clock on stale secrets in the file, and a timer that compacts them out. */
  #noteStale(): void {
    if (this.#state.staleSecretLines === 0) {
      this.#staleSince = undefined;
      this.#cancelStaleTimer();
      return;
    }
    this.#staleSince ??= Date.now();
    if (this.#staleTimer || this.#closed) return;
    const wait = Math.max(0, this.#staleSince + this.#staleDelay() - Date.now());
    this.#staleTimer = setTimeout(() => {
      this.#staleTimer = undefined;
      const run = () => this.#compactStale(this.#lockTimeoutMs);
      this.#queue = this.#queue.then(run).catch(() => undefined);
    }, wait);
    // Never keeps the process alive: a process that exits leaves the work to the next writer or reader.
    this.#staleTimer.unref();
  }

  #cancelStaleTimer(): void {
    clearTimeout(this.#staleTimer);
    this.#staleTimer = undefined;
  }

  /** Under the lock: catches up, and rewrites the file if it (still) holds stale secrets. */
  async #compactStale(lockTimeoutMs: number): Promise<void> {
    if (this.#closed && this.#fd === undefined) return;
    const release = await acquireLock(this.#lockPath, lockTimeoutMs);
    try {
      this.#catchUp(true);
      if (this.#state.staleSecretLines > 0) this.#compact();
      this.#noteStale();
    } finally {
      release();
    }
  }

  /** Rewrites only the live records; amortised, since the journal has doubled since the last time. */
  #compact(): void {
    const started = Date.now();
    const lines = [HEADER_LINE];
    for (const [ns, state] of this.#state.namespaces) {
      for (const { token } of state.byId.values()) lines.push(encodeEntry({ op: 'put', ns, token }));
    }
    try {
      this.#writeWhole(lines, fstatSync(this.#fd!).mode & 0o777);
    } catch {
      // Compaction only saves space and removes stale secrets; the save itself is on disk. Retry
      // once the journal has grown, and for stale secrets later, less and less often.
      this.#compactAt = this.#offset * 1.25;
      this.#staleRetryMs = Math.min(STALE_RETRY_MAX_MS, Math.max(STALE_SECRET_MS, this.#staleRetryMs * 2));
      if (this.#staleSince !== undefined) this.#staleSince = Date.now();
      return;
    }
    this.#compactAt = COMPACT_MIN_BYTES;
    this.#compactMs = Date.now() - started;
    this.#staleRetryMs = 0;
    this.#removeLeftovers();
    // The state is unchanged (nobody can write while we hold the lock): only follow the new file.
    const state = this.#state;
    this.#reset();
    this.#state = state;
    this.#fd = openSync(this.path, 'r+');
    const stat = fstatSync(this.#fd);
    this.#ino = stat.ino;
    this.#dev = stat.dev;
    this.#offset = stat.size;
    this.#lines = lines.length;
    // The new file holds live records only: no stale secret is left in it.
    state.staleSecretLines = 0;
    this.#staleSince = undefined;
    this.#cancelStaleTimer();
  }

  /** A new file, complete and synced before it replaces the path: readers see the old or the new. */
  #writeWhole(lines: string[], mode: number): void {
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(temp, 'wx', 0o600);
    try {
      fchmodSync(fd, mode);
      for (let i = 0; i < lines.length; i += 4096) writeAllSync(fd, Buffer.from(lines.slice(i, i + 4096).join(''), 'utf8'));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, this.path);
    } catch (error) {
      try {
        closeSync(fd);
      } catch {}
      try {
        unlinkSync(temp);
      } catch {}
      throw error;
    }
    syncDirectory(dirname(this.path));
  }

  /** Temp files of processes killed mid-compaction or mid-lock; done now and then, under the lock. */
  #removeLeftovers(): void {
    const base = basename(this.path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const leftover = new RegExp(`^(?:\\.${base}|${base}\\.lock(?:\\.takeover)?)\\.(\\d+)\\.[0-9a-f]+(?:\\.tmp)?$`);
    const directory = dirname(this.path);
    try {
      for (const name of readdirSync(directory)) {
        const pid = leftover.exec(name)?.[1];
        if (pid !== undefined && isGone(Number(pid))) unlinkSync(join(directory, name));
      }
    } catch {
      // Tidying up is optional.
    }
  }

  #reset(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#ino = -1;
    this.#dev = -1;
    this.#offset = 0;
    this.#lines = 0;
    this.#state = new JournalState(this.namespace);
  }
}

function writeAllSync(fd: number, bytes: Buffer): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** The rename is durable only once the directory entry is. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Processes must agree on one path (the lock sits next to it), and compaction must replace the
 * real file, not a symlink to it.
 */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}
