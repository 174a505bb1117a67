/**
 * Everything the CLI prints goes through here, so a password from a URL never reaches the screen,
 * whichever message (ours, a driver's, a user's module's) happens to carry it.
 */
const secrets = new Set<string>();

/** Registers values to mask in all later output (URL passwords; only strings of 4+ characters, to keep output readable). */
export function addSecrets(values: readonly string[]): void {
  for (const value of values) if (value.length >= 4) secrets.add(value);
}

export function scrub(text: string): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join('***');
  return result;
}

export function out(text: string): void {
  process.stdout.write(`${scrub(text)}\n`);
}

export function err(text: string): void {
  process.stderr.write(`${scrub(text)}\n`);
}
