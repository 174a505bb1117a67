import { UsageError } from './failure.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `1h30m`, `90s`, `2w`, `500ms` → milliseconds. */
export function parseDuration(text: string, option = 'duration'): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) {
    throw new UsageError(`${option}: "${text}" is not a duration (e.g. 90s, 15m, 1h, 30d, 1h30m)`);
  }
  return parts.reduce((sum, part) => sum + Number(part[1]) * (UNIT_MS[part[2] ?? 'ms'] ?? 1), 0);
}

/** The largest whole unit: `3h`, `2d`, `45s`. */
export function shortDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= UNIT_MS.d!) return `${Math.floor(abs / UNIT_MS.d!)}d`;
  if (abs >= UNIT_MS.h!) return `${Math.floor(abs / UNIT_MS.h!)}h`;
  if (abs >= UNIT_MS.m!) return `${Math.floor(abs / UNIT_MS.m!)}m`;
  return `${Math.floor(abs / 1_000)}s`;
}

/** "expires in 3h" / "expired 2d ago" / "no expiry". */
export function relativeExpiry(expiryTime: number | null, now: number): string {
  if (expiryTime === null) return 'no expiry';
  return expiryTime > now ? `expires in ${shortDuration(expiryTime - now)}` : `expired ${shortDuration(now - expiryTime)} ago`;
}

export function isoDate(expiryTime: number | null): string {
  if (expiryTime === null) return '-';
  const date = new Date(expiryTime);
  return Number.isNaN(date.getTime()) ? String(expiryTime) : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
