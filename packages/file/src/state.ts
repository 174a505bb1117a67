import type { LookupKey, LookupKind, StoredToken, UniqueKeys } from '@tokens/core';
import { SECRET_FIELDS, uniqueKeysOf } from '@tokens/core';
import type { Entry } from './journal.js';

const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];

/**
 * Whether `before` holds a secret value that `after` (null: the record is gone) no longer holds:
 * its journal line then keeps a secret that must not outlive its record (see `staleSecretLines`).
 */
function dropsSecret(before: StoredToken, after: StoredToken | null): boolean {
  return SECRET_FIELDS.some((field) => {
    const value = before[field];
    return value !== null && value !== '' && value !== after?.[field];
  });
}

interface Live {
  token: StoredToken;
  /** Length of its journal line, to know when compaction pays. */
  bytes: number;
}

/** One namespace's live records; key indexes only for the namespace the backend serves. */
export class NamespaceState {
  readonly byId = new Map<string, Live>();
  readonly #byKey: Record<LookupKind, Map<string, string>> | undefined;

  constructor(indexed: boolean) {
    this.#byKey = indexed ? { user: new Map(), access: new Map(), refresh: new Map(), grant: new Map() } : undefined;
  }

  get(id: string): StoredToken | null {
    return this.byId.get(id)?.token ?? null;
  }

  find(key: LookupKey): StoredToken | null {
    const id = this.#byKey?.[key.kind].get(key.value);
    return id === undefined ? null : this.get(id);
  }

  /** True if a unique key of `token` belongs to a record other than `token.id`. */
  collides(token: StoredToken): boolean {
    if (!this.#byKey) return false;
    const keys: UniqueKeys = uniqueKeysOf(token);
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value === null) continue;
      const holder = this.#byKey[kind].get(value);
      if (holder !== undefined && holder !== token.id) return true;
    }
    return false;
  }

  /** Returns the change in live bytes, and whether the replaced line held a secret the new one drops. */
  put(token: StoredToken, bytes: number): { change: number; dropped: boolean } {
    const previous = this.byId.get(token.id)?.token ?? null;
    const change = bytes - this.remove(token.id);
    this.byId.set(token.id, { token, bytes });
    this.#index(token, true);
    return { change, dropped: previous !== null && dropsSecret(previous, token) };
  }

  /** Returns the live bytes freed. */
  remove(id: string): number {
    const live = this.byId.get(id);
    if (!live) return 0;
    this.#index(live.token, false);
    this.byId.delete(id);
    return live.bytes;
  }

  /** Whether removing the record drops a secret value from the live state. */
  holdsSecret(id: string): boolean {
    const live = this.byId.get(id);
    return live !== undefined && dropsSecret(live.token, null);
  }

  #index(token: StoredToken, add: boolean): void {
    if (!this.#byKey) return;
    const keys = uniqueKeysOf(token);
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value === null) continue;
      if (add) this.#byKey[kind].set(value, token.id);
      else this.#byKey[kind].delete(value);
    }
  }
}

/** The journal replayed: live records of every namespace in the file. */
export class JournalState {
  readonly namespaces = new Map<string, NamespaceState>();
  /** Bytes the live records would take in a compacted file. */
  liveBytes = 0;
  /**
   * Lines of the file that hold a secret value no live record holds any more: a rotated or
   * cleared token, or a deleted record. Compaction (which rewrites only live records) removes them.
   */
  staleSecretLines = 0;

  constructor(readonly indexedNamespace: string) {}

  namespace(ns: string): NamespaceState {
    let state = this.namespaces.get(ns);
    if (!state) {
      state = new NamespaceState(ns === this.indexedNamespace);
      this.namespaces.set(ns, state);
    }
    return state;
  }

  /** False when the entry contradicts the state (a key held by two records): a damaged journal. */
  apply(entry: Entry, bytes: number): boolean {
    const state = this.namespace(entry.ns);
    if (entry.op === 'put') {
      if (state.collides(entry.token)) return false;
      const { change, dropped } = state.put(entry.token, bytes);
      this.liveBytes += change;
      if (dropped) this.staleSecretLines++;
    } else if (entry.op === 'delete') {
      if (state.holdsSecret(entry.id)) this.staleSecretLines++;
      this.liveBytes -= state.remove(entry.id);
    } else {
      for (const id of [...state.byId.keys()]) {
        if (state.holdsSecret(id)) this.staleSecretLines++;
        this.liveBytes -= state.remove(id);
      }
    }
    return true;
  }
}
