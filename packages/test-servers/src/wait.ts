import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `probe` until it resolves truthy; after `timeoutMs` rejects with `describe()` (the server's
 * log tail) and the probe's last error, so a server that never comes up says why.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; describe: () => string; exited?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (let interval = 20; ; interval = Math.min(interval * 2, 250)) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    const exited = options.exited?.() ?? false;
    if (exited || Date.now() > deadline) {
      const why = exited ? 'its process exited' : `not ready after ${options.timeoutMs} ms`;
      const last = lastError instanceof Error ? ` (last probe: ${lastError.message})` : '';
      throw new Error(`${what}: ${why}${last}\n--- log tail ---\n${options.describe()}`);
    }
    await delay(interval);
  }
}
