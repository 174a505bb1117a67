import { inspect } from 'node:util';
import { assert } from './assertions.js';

/**
 * Every error of a chain: the error, its `cause`, the causes of those, and the members of
 * AggregateErrors (`errors`), each once.
 */
export function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (value === undefined || value === null || seen.has(value) || depth > 32) return;
    seen.add(value);
    chain.push(value);
    if (typeof value !== 'object') return;
    visit((value as { cause?: unknown }).cause, depth + 1);
    const members = (value as { errors?: unknown }).errors;
    if (Array.isArray(members)) for (const member of members) visit(member, depth + 1);
  };
  visit(error, 0);
  return chain;
}

/** JSON as a logger's serializer would write it; cycles and BigInts do not stop it. */
function json(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, item: unknown) => {
        if (typeof item === 'bigint') return item.toString();
        if (typeof item === 'object' && item !== null) {
          if (seen.has(item)) return '[circular]';
          seen.add(item);
        }
        return item;
      }) ?? ''
    );
  } catch (error) {
    return `[JSON.stringify threw ${error instanceof Error ? error.name : typeof error}]`;
  }
}

/**
 * Fails when any of `secrets` can be read from `error` the ways logs read errors: its message and
 * stack, `util.inspect` at any depth (hidden properties included), and `JSON.stringify` of the
 * error and of every error in its cause chain, each with its own enumerable properties.
 */
export function assertNoSecretsInError(error: unknown, secrets: readonly string[], what: string): void {
  const views: [string, string][] = [
    ['util.inspect(error, { depth: Infinity })', inspect(error, { depth: Number.POSITIVE_INFINITY })],
    ['util.inspect(error, { depth: Infinity, showHidden: true })', inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })],
  ];
  errorChain(error).forEach((link, index) => {
    const where = index === 0 ? 'the error' : `cause #${index}`;
    views.push([`JSON.stringify(${where})`, json(link)]);
    if (link instanceof Error) views.push([`${where}.message and .stack`, `${link.message}\n${link.stack ?? ''}`]);
    else if (typeof link !== 'object') views.push([`String(${where})`, String(link)]);
  });
  for (const secret of secrets) {
    if (!secret) continue;
    for (const [view, text] of views) assert.ok(!text.includes(secret), `${what}: ${view} reveals a secret`);
  }
}
