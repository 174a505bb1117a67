import { describe, expect, it } from 'vitest';
import type { TokenBackend } from '../src/backend.js';
import { type LookupKey, lookupKeyOf } from '../src/lookup.js';
import { applySavePlan, type SaveOutcome, type SavePlan, SEALED_PREFIX } from '../src/save-plan.js';
import { createTokenStore } from '../src/store.js';
import type { StoredToken } from '../src/token.js';
import { testKeys } from './encryption-helpers.js';

const stored: StoredToken = {
  id: 'id-1',
  version: 3,
  userSignature: 'user@example.com',
  clientId: 'client',
  clientSecret: 'secret',
  redirectUrl: null,
  grantToken: null,
  refreshToken: 'refresh-1',
  accessToken: 'access-1',
  expiryTime: 1000,
  apiDomain: null,
};

function plan(overrides: Partial<SavePlan>): SavePlan {
  return {
    id: undefined,
    key: { kind: 'user', value: 'user@example.com' },
    set: {},
    fields: [],
    expectedVersion: undefined,
    insert: null,
    sealedPrefix: SEALED_PREFIX,
    ...overrides,
  };
}

describe('applySavePlan (the reference of the one-step save rules)', () => {
  it('merges the given fields, keeps the others, and bumps the version', () => {
    const result = applySavePlan(
      plan({ set: { accessToken: 'access-2', grantToken: null }, fields: ['grantToken', 'accessToken'] }),
      stored,
    );
    expect(result).toEqual({ write: 'update', previous: stored, record: { ...stored, version: 4, accessToken: 'access-2' } });
  });

  it('null clears a field', () => {
    const result = applySavePlan(plan({ set: { refreshToken: null }, fields: ['refreshToken'] }), stored);
    expect(result.write === 'update' && result.record.refreshToken).toBeNull();
  });

  it('a save that changes nothing writes nothing and keeps the version', () => {
    const result = applySavePlan(plan({ set: { accessToken: 'access-1' }, fields: ['accessToken'], expectedVersion: 3 }), stored);
    expect(result).toEqual({ write: 'none', outcome: { status: 'unchanged', record: stored } });
  });

  it('a version other than the stored one is stale, whatever the data', () => {
    const result = applySavePlan(plan({ set: { accessToken: 'access-1' }, fields: ['accessToken'], expectedVersion: 2 }), stored);
    expect(result).toEqual({ write: 'none', outcome: { status: 'stale', version: 3 } });
  });

  it('no target: insert when allowed, missing for a versioned save', () => {
    const record = { ...stored, id: 'new', version: 1 };
    expect(applySavePlan(plan({ insert: record }), null)).toEqual({ write: 'insert', record });
    expect(applySavePlan(plan({ expectedVersion: 1 }), null)).toEqual({ write: 'none', outcome: { status: 'missing' } });
  });

  it('an encrypted target is never patched by a plain store', () => {
    const sealed = { ...stored, clientSecret: `${SEALED_PREFIX}k1:blob` };
    expect(applySavePlan(plan({ set: { accessToken: 'x' }, fields: ['accessToken'] }), sealed)).toEqual({
      write: 'none',
      outcome: { status: 'sealed', record: sealed },
    });
  });
});

/** A backend that records the plans it gets and answers with a scripted outcome. */
function planBackend(outcomes: SaveOutcome[]): TokenBackend & { plans: SavePlan[]; reads: number } {
  const plans: SavePlan[] = [];
  const backend = {
    backend: 'plans',
    namespace: 'tokens',
    plans,
    reads: 0,
    getById: () => {
      backend.reads++;
      return null;
    },
    findByKey: (_key: LookupKey) => {
      backend.reads++;
      return null;
    },
    insert: () => 'inserted' as const,
    update: () => 'updated' as const,
    save: (p: SavePlan) => {
      plans.push(p);
      return outcomes.shift() ?? { status: 'retry' };
    },
    delete: () => {},
    list: () => [],
    clear: () => {},
    close: () => {},
  };
  return backend;
}

describe('the engine with a one-step backend', () => {
  const login = { userSignature: 'user@example.com', accessToken: 'access-9', expiryTime: 5 };

  it('sends one plan and reads nothing first', async () => {
    const backend = planBackend([{ status: 'updated', record: { ...stored, accessToken: 'access-9', version: 4 } }]);
    const saved = await createTokenStore(backend).saveToken(login);
    expect(saved.accessToken).toBe('access-9');
    expect(backend.reads).toBe(0);
    expect(backend.plans).toHaveLength(1);
    const [sent] = backend.plans;
    expect(sent?.key).toEqual(lookupKeyOf(login));
    expect(sent?.fields).toEqual(['userSignature', 'accessToken', 'expiryTime']);
    expect(sent?.insert?.version).toBe(1);
  });

  it('a first collision of an insert is a race: the plan runs again; a second one is CONFLICT', async () => {
    const again = planBackend([
      { status: 'duplicate', inserting: true },
      { status: 'updated', record: stored },
    ]);
    await expect(createTokenStore(again).saveToken(login)).resolves.toMatchObject({ id: 'id-1' });
    expect(again.plans).toHaveLength(2);
    const twice = planBackend([
      { status: 'duplicate', inserting: true },
      { status: 'duplicate', inserting: true },
    ]);
    await expect(createTokenStore(twice).saveToken(login)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('versioned saves: stale and missing are CONFLICT with the stored version in the message', async () => {
    const stale = planBackend([{ status: 'stale', version: 7 }]);
    await expect(createTokenStore(stale).saveToken({ ...login, version: 2 })).rejects.toThrow(/stored token is at version 7/);
    const missing = planBackend([{ status: 'missing' }]);
    await expect(createTokenStore(missing).saveToken({ ...login, version: 2 })).rejects.toThrow(/no stored token matches/);
    expect(missing.plans[0]?.insert).toBeNull();
  });

  it('a polluted Object.prototype adds no field to the plan', async () => {
    const backend = planBackend([{ status: 'updated', record: stored }]);
    const proto = Object.prototype as Record<string, unknown>;
    proto.refreshToken = 'injected';
    try {
      await createTokenStore(backend).saveToken(login);
    } finally {
      delete proto.refreshToken;
    }
    expect(backend.plans[0]?.fields).toEqual(['userSignature', 'accessToken', 'expiryTime']);
    expect(Object.hasOwn(backend.plans[0]?.set ?? {}, 'refreshToken')).toBe(false);
  });

  it('gives up after maxSaveAttempts retries', async () => {
    const backend = planBackend([]);
    await expect(createTokenStore(backend, { maxSaveAttempts: 4 }).saveToken(login)).rejects.toThrow(/gave up after 4 attempts/);
    expect(backend.plans).toHaveLength(4);
  });

  it('a sealed target is KEY_UNAVAILABLE', async () => {
    const backend = planBackend([{ status: 'sealed', record: { ...stored, clientSecret: `${SEALED_PREFIX}k1:blob` } }]);
    await expect(createTokenStore(backend).saveToken(login)).rejects.toMatchObject({ code: 'KEY_UNAVAILABLE' });
  });

  it('a save that sets no token, and every encrypted save, go the read-then-write way', async () => {
    const plain = planBackend([]);
    await createTokenStore(plain)
      .saveToken({ userSignature: 'user@example.com', expiryTime: 5 })
      .catch(() => {});
    expect(plain.plans).toHaveLength(0);
    const encrypted = planBackend([]);
    const keys = testKeys();
    await createTokenStore(encrypted, { encryption: { keys: [{ id: 'k1', key: keys.k1 }], indexKey: keys.index } }).saveToken(login);
    expect(encrypted.plans).toHaveLength(0);
    expect(encrypted.reads).toBeGreaterThan(0);
  });
});
