import type { ReencryptResult } from '@tokens/core';
import { CliError, EXIT, UsageError } from '../failure.js';
import { interruptSignal } from '../interrupt.js';
import { err, out } from '../output.js';
import { createProgress } from '../progress.js';
import { type GlobalFlags, withStore } from '../session.js';
import { parseStoreUrl } from '../url.js';
import { positiveInt } from './copy.js';

export interface RotateFlags extends GlobalFlags {
  concurrency?: string;
  json?: boolean;
}

/**
 * `tokens rotate-keys STORE`: moves every record to the current key (the first one in
 * TOKENS_ENCRYPTION_KEYS), through core's `reencryptTokens`. The URL must say `encrypted=true`
 * (added when missing: there is nothing to rotate on a plain store).
 */
export async function rotateKeysCommand(url: string, flags: RotateFlags): Promise<number> {
  const concurrency = positiveInt(flags.concurrency ?? '8', '--concurrency');
  const core = (await import('@tokens/core')) as Record<string, unknown>;
  const reencrypt = core.reencryptTokens as ((store: unknown, options: Record<string, unknown>) => Promise<ReencryptResult>) | undefined;
  if (typeof reencrypt !== 'function') {
    throw new CliError('NOT_AVAILABLE', 'rotate-keys is not available in this version (@tokens/core has no reencryptTokens)', EXIT.MISSING);
  }
  const encryptedUrl = parseStoreUrl(url).encryption ? url : `${url}${url.includes('?') ? '&' : '?'}encrypted=true`;
  if (parseStoreUrl(encryptedUrl).readOnly) throw new UsageError('rotate-keys works on @tokens stores, not on Zoho SDK stores');
  const interrupt = interruptSignal();
  try {
    return await withStore(encryptedUrl, flags, async (store) => {
      let progress: ReturnType<typeof createProgress> | undefined;
      let result: ReencryptResult;
      try {
        result = await reencrypt(store, {
          concurrency,
          signal: interrupt.signal,
          onProgress: (state: ReencryptResult) => {
            progress ??= createProgress(`rotate to ${state.currentKeyId}`, state.total);
            progress.update({ total: state.total, done: state.scanned, failed: state.failed });
          },
        });
      } finally {
        progress?.stop();
      }
      if (flags.json) out(JSON.stringify(result, null, 2));
      else {
        for (const failure of result.failures.slice(0, 20)) err(`failed: id ${failure.id}: ${failure.code}: ${failure.reason}`);
        out(
          `re-encrypted ${result.rewritten}, already on ${result.currentKeyId} ${result.alreadyCurrent}, gone ${result.gone}, failed ${result.failed} (of ${result.total})`,
        );
        if (result.aborted) out('interrupted: run the same command again to finish (records already moved are skipped)');
        else if (result.failed === 0) out(`every record is on key ${result.currentKeyId}: older keys can be dropped from the key list`);
      }
      if (result.aborted) return EXIT.INTERRUPTED;
      return result.failed > 0 ? EXIT.FINDINGS : EXIT.OK;
    });
  } finally {
    interrupt.dispose();
  }
}
