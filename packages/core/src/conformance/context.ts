import { randomBytes } from 'node:crypto';
import { isTokenBackend } from '../backend.js';
import { createTokenStore, type TokenStore } from '../store.js';
import type { CaseContext, ConformanceTarget } from './types.js';

/** Unique per run and per case, so cases never see each other's data, even on a shared server. */
export function freshNamespace(): string {
  return `cf_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
}

export async function openStore(target: ConformanceTarget, namespace: string): Promise<TokenStore> {
  const opened = await target.open(namespace);
  return isTokenBackend(opened) ? createTokenStore(opened) : opened;
}

/** Runs one case body with its own namespaces; closes every store it opened and cleans up. */
export async function withCaseContext(target: ConformanceTarget, body: (context: CaseContext) => Promise<void>): Promise<void> {
  const namespaces: string[] = [];
  const stores: TokenStore[] = [];
  const newNamespace = () => {
    const namespace = freshNamespace();
    namespaces.push(namespace);
    return namespace;
  };
  const open = async (namespace: string) => {
    const store = await openStore(target, namespace);
    stores.push(store);
    return store;
  };
  const namespace = newNamespace();
  let outcome: { failed: false } | { failed: true; error: unknown } = { failed: false };
  try {
    const store = await open(namespace);
    await body({
      namespace,
      store,
      open: (other = namespace) => open(other),
      freshNamespace: newNamespace,
      raw: async (other = namespace) => {
        const raw = target.capabilities?.raw;
        if (!raw) throw new Error('this case needs the raw capability');
        return raw(other);
      },
    });
  } catch (error) {
    outcome = { failed: true, error };
  }
  const closing = await Promise.allSettled(stores.map((store) => store.close()));
  await target.cleanup?.(namespaces);
  // The case's own failure says more than a close failure that follows it.
  if (outcome.failed) throw outcome.error;
  const failure = closing.find((result) => result.status === 'rejected');
  if (failure) throw new Error('closing a store failed after the case', { cause: failure.reason });
}
