import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { BackendFailure } from '@tokens/core';

/**
 * Inter-process lock: `<file>.lock` holds `{"pid","host","process","start","id"}`. It is created
 * whole (written to a private temp file, then hard-linked into place, which fails atomically if
 * the lock exists), so a lock file is never seen half-written. A holder that died is detected by
 * pid (ESRCH), by `process` (same pid but another process, e.g. pid 1 in a restarted container)
 * and by its start time in /proc (a reused pid).
 */
interface Holder {
  pid: number;
  host: string;
  process: string;
  start: string | null;
  id: string;
}

const PROCESS_ID = randomBytes(8).toString('hex');
const HOST = hostname();
let ownStart: string | null | undefined;

export type Release = () => void;

export async function acquireLock(lockPath: string, timeoutMs: number): Promise<Release> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    const release = tryLock(lockPath);
    if (release) return release;
    const seen = readRaw(lockPath);
    if (seen !== null && isDead(parseHolder(seen))) {
      takeOver(lockPath, seen);
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = seen === null ? null : parseHolder(seen);
      const who = holder ? ` (held by pid ${holder.pid} on ${holder.host})` : '';
      throw new BackendFailure('UNAVAILABLE', `timed out after ${timeoutMs} ms waiting for the lock ${lockPath}${who}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
  }
}

function tryLock(lockPath: string): Release | null {
  const holder: Holder = { pid: process.pid, host: HOST, process: PROCESS_ID, start: (ownStart ??= startTime(process.pid)), id: randomBytes(8).toString('hex') };
  const temp = `${lockPath}.${process.pid}.${holder.id}`;
  writeFileSync(temp, JSON.stringify(holder), { mode: 0o600 });
  try {
    linkSync(temp, lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  } finally {
    unlinkQuietly(temp);
  }
  return () => unlinkQuietly(lockPath);
}

/**
 * Removing a dead holder's lock races with other waiters doing the same: one of them could delete
 * a lock that a third has just taken. So removal happens under a second lock, and only if the lock
 * still holds the very content (with its random id) that was judged dead. A takeover guard whose
 * own holder died (two crashes in a row within microseconds) is removed without a guard.
 */
function takeOver(lockPath: string, staleContent: string): void {
  const guardPath = `${lockPath}.takeover`;
  const release = tryLock(guardPath);
  if (!release) {
    const guard = readRaw(guardPath);
    if (guard !== null && isDead(parseHolder(guard))) unlinkQuietly(guardPath);
    return;
  }
  try {
    if (readRaw(lockPath) === staleContent) unlinkQuietly(lockPath);
  } finally {
    release();
  }
}

function isDead(holder: Holder | null): boolean {
  // An unreadable lock was not written by this package: leave it to a person, never steal it.
  if (!holder) return false;
  // Pids of another host say nothing here.
  if (holder.host !== HOST) return false;
  if (holder.pid === process.pid) return holder.process !== PROCESS_ID;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = startTime(holder.pid);
  return holder.start !== null && start !== null && start !== holder.start;
}

/** Process start time in clock ticks since boot (Linux), to tell a reused pid from its holder. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function parseHolder(content: string): Holder | null {
  try {
    const value = JSON.parse(content) as Partial<Holder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string' || typeof value.process !== 'string') return null;
    return { pid: value.pid, host: value.host, process: value.process, start: value.start ?? null, id: String(value.id) };
  } catch {
    return null;
  }
}

function readRaw(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
