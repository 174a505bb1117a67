import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { BackendFailure } from '@tokens/core';

/**
 * Inter-process lock: `<file>.lock` holds `{"pid","host","boot","start","id"}`. It is created
 * whole (written to a private temp file, then hard-linked into place, which fails atomically if
 * the lock exists), so a lock file is never seen half-written. A holder that died is detected by
 * pid (ESRCH), and on Linux by boot id and process start time (a reused pid, or pid 1 of a
 * restarted container). Worker threads share their process's identity, so they wait, never steal.
 */
interface Holder {
  pid: number;
  host: string;
  boot: string | null;
  start: string | null;
  id: string;
}

const HOST = hostname();
// Unique per acquisition; a counter after one random prefix, since randomBytes per lock is slow.
const ID_PREFIX = randomBytes(6).toString('hex');
let acquisitions = 0;
let own: { boot: string | null; start: string | null } | undefined;

export type Release = () => void;

/** Whether a process of this host with that pid is gone (for leftovers named after their pid). */
export function isGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** `since`: when the caller started waiting (an operation may have queued behind others first). */
export async function acquireLock(lockPath: string, timeoutMs: number, since = Date.now()): Promise<Release> {
  const deadline = since + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    const release = tryLock(lockPath);
    if (release) return release;
    const seen = readRaw(lockPath);
    if (seen !== null && isDead(parseHolder(seen)) && takeOver(lockPath, seen)) continue;
    if (Date.now() >= deadline) {
      const holder = seen === null ? null : parseHolder(seen);
      const who = holder ? ` (held by pid ${holder.pid} on ${holder.host})` : '';
      throw new BackendFailure('UNAVAILABLE', `timed out after ${timeoutMs} ms waiting for the lock ${lockPath}${who}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
  }
}

function tryLock(lockPath: string): Release | null {
  const holder: Holder = {
    pid: process.pid,
    host: HOST,
    ...ownIdentity(),
    id: `${ID_PREFIX}${(acquisitions++).toString(16)}`,
  };
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
 * still holds the very content (with its unique id) that was judged dead. A takeover guard whose
 * own holder died (two crashes in a row within microseconds) is removed without a guard.
 */
function takeOver(lockPath: string, staleContent: string): boolean {
  const guardPath = `${lockPath}.takeover`;
  const release = tryLock(guardPath);
  if (!release) {
    const guard = readRaw(guardPath);
    if (guard === null || !isDead(parseHolder(guard))) return false;
    unlinkQuietly(guardPath);
    return true;
  }
  try {
    if (readRaw(lockPath) === staleContent) unlinkQuietly(lockPath);
  } finally {
    release();
  }
  return true;
}

function isDead(holder: Holder | null): boolean {
  // An unreadable lock was not written by this package: leave it to a person, never steal it.
  if (!holder) return false;
  // Pids of another host say nothing here.
  if (holder.host !== HOST) return false;
  const { boot, start } = ownIdentity();
  if (holder.boot !== null && boot !== null && holder.boot !== boot) return true;
  if (holder.pid === process.pid) return holder.start !== null && start !== null && holder.start !== start;
  if (isGone(holder.pid)) return true;
  const current = startTime(holder.pid);
  return holder.start !== null && current !== null && current !== holder.start;
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

function ownIdentity(): { boot: string | null; start: string | null } {
  if (!own) {
    let boot: string | null = null;
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    } catch {}
    own = { boot, start: startTime(process.pid) };
  }
  return own;
}

function parseHolder(content: string): Holder | null {
  try {
    const value = JSON.parse(content) as Partial<Holder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return null;
    const text = (field: unknown) => (typeof field === 'string' ? field : null);
    return { pid: value.pid, host: value.host, boot: text(value.boot), start: text(value.start), id: String(value.id) };
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
