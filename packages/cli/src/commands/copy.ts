import { type CopyCounts, type CopySummary, copyTokens } from '../copy.js';
import { EXIT, UsageError } from '../failure.js';
import { type FilterFlags, filterFromFlags, matchesFilter } from '../filters.js';
import { interruptSignal } from '../interrupt.js';
import { openSource, openStore } from '../open.js';
import { err, out } from '../output.js';
import { createProgress } from '../progress.js';
import { type GlobalFlags, tagged } from '../session.js';
import { seconds } from '../time.js';
import { parseStoreUrl } from '../url.js';

export interface CopyFlags extends GlobalFlags, FilterFlags {
  dryRun?: boolean;
  verify?: boolean;
  concurrency?: string;
  fromNamespace?: string;
  toNamespace?: string;
  json?: boolean;
}

const POOLED = new Set(['mysql', 'postgres']);

/** `tokens copy FROM TO`: every (matching) token of FROM into TO, idempotent and resumable. */
export async function copyCommand(fromUrl: string, toUrl: string, flags: CopyFlags): Promise<number> {
  const concurrency = positiveInt(flags.concurrency ?? '32', '--concurrency');
  const filter = filterFromFlags(flags);
  const source = await openSource(fromUrl, { namespace: flags.fromNamespace ?? flags.namespace });
  const interrupt = interruptSignal();
  try {
    const opened = await openStore(toUrl, {
      namespace: flags.toNamespace ?? flags.namespace,
      // One connection per save in flight; the URL's own poolSize wins.
      defaults: POOLED.has(parseStoreUrl(toUrl).kind) ? { poolSize: Math.min(concurrency, 64) } : {},
    });
    const target = opened.store;
    try {
      if (opened.spec.display === source.spec.display && flags.fromNamespace === flags.toNamespace) {
        throw new UsageError(`FROM and TO are the same store (${source.spec.display}); give another URL or --to-namespace`);
      }
      err(`reading ${source.spec.display}`);
      const now = Date.now();
      const tokens = (await source.getTokens().catch((error: unknown) => Promise.reject(tagged(error, source.spec.display)))).filter(
        (token) => matchesFilter(token, filter, now),
      );
      err(`${flags.dryRun ? 'planning' : 'copying'} ${tokens.length} tokens into ${opened.spec.display}`);
      const progress = createProgress(flags.dryRun ? 'plan' : 'copy', tokens.length);
      let summary: CopySummary;
      let latest: CopyCounts | undefined;
      try {
        summary = await copyTokens(tokens, target, {
          concurrency,
          dryRun: flags.dryRun === true,
          verify: flags.verify !== false,
          signal: interrupt.signal,
          onProgress: (counts) => {
            latest = counts;
            progress.update(counts);
          },
        });
      } catch (error) {
        progress.stop();
        // The target went away mid-copy: say how far it got before the one-line error.
        if (latest)
          err(`copy stopped after ${latest.done} of ${latest.total} tokens (${countsLine(latest)}): run the same command again to finish`);
        throw tagged(error, opened.spec.display);
      }
      progress.stop();
      report(summary, flags.json === true);
      if (summary.interrupted) return EXIT.INTERRUPTED;
      return summary.failed > 0 || (summary.verification?.differing ?? 0) > 0 ? EXIT.FINDINGS : EXIT.OK;
    } finally {
      await target.close().catch(() => {});
    }
  } finally {
    interrupt.dispose();
    await source.close().catch(() => {});
  }
}

function report(summary: CopySummary, json: boolean): void {
  if (json) {
    out(JSON.stringify(summary, null, 2));
    return;
  }
  for (const failure of summary.failures.slice(0, 20)) {
    err(`failed: id ${failure.id ?? '-'} user ${failure.user ?? '-'}: ${failure.code}: ${failure.message}`);
  }
  if (summary.failures.length > 20) err(`... and ${summary.failed - 20} more failures`);
  const written = summary.copied + summary.updated + summary.unchanged + summary.failed;
  const rate = summary.ms > 0 ? Math.round((written / summary.ms) * 1000) : 0;
  const counts = countsLine(summary);
  if (summary.dryRun) out(`dry run, nothing written: would have ${counts}`);
  else out(`${counts} (${summary.done} of ${summary.total} tokens in ${seconds(summary.ms)}, ${rate} tokens/s)`);
  if (summary.interrupted) {
    out(`interrupted after ${summary.done} of ${summary.total} tokens: run the same command again to finish (nothing is lost or doubled)`);
  }
  const check = summary.verification;
  if (check) {
    if (check.differing === 0) out(`verified: all ${check.matching} source tokens are in the target with the same data`);
    else out(`verify FAILED: ${check.differing} source tokens are missing from the target or differ (${check.differingIds.join(', ')})`);
    if (check.extra > 0) out(`note: the target also holds ${check.extra} tokens that are not in the source (left alone)`);
  }
}

function countsLine(counts: CopyCounts): string {
  return `copied ${counts.copied}, updated ${counts.updated}, unchanged ${counts.unchanged}, failed ${counts.failed}`;
}

export function positiveInt(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${option} must be a positive integer`);
  return value;
}
