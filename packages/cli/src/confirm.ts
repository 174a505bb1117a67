import { confirm, isCancel } from '@clack/prompts';
import { CliError, EXIT, UsageError } from './failure.js';

/**
 * Asks before a destructive step. Without a terminal on stdin there is nobody to ask: refuse
 * (exit 2) unless `--yes` was given, rather than hang or guess.
 */
export async function confirmOrRefuse(question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new UsageError(`refusing to ask "${question}" without a terminal on stdin: pass --yes`);
  const answer = await confirm({ message: question, initialValue: false, output: process.stderr });
  if (isCancel(answer) || answer !== true) throw new CliError('DECLINED', 'nothing was changed', EXIT.USAGE);
}
