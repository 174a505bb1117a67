import { createHash, randomBytes } from 'node:crypto';
import { isEncryptedRecord } from '../encryption/codec.js';
import { hashKey } from '../keys.js';
import type { TokenStore } from '../store.js';
import { MAX_VALUE_LENGTH, type OAuthToken, SECRET_FIELDS } from '../token.js';
import { assert, expectStoreError, sampleToken, stringsIn, unique } from './assertions.js';
import { freshNamespace } from './context.js';

export interface AtRestTarget {
  /** Opens a store with encryption on. */
  open(namespace: string): TokenStore | Promise<TokenStore>;
  /** The same backend and namespace without encryption (checks that it refuses encrypted records). */
  openPlain?(namespace: string): TokenStore | Promise<TokenStore>;
  /** Every stored entry of a namespace as the database holds it (rows, hashes, documents, secrets, file lines). */
  raw(namespace: string): Promise<readonly unknown[]>;
  /** Optional: the storage's bytes as text (a whole file, a WAL), searched as well. */
  rawText?(namespace: string): Promise<string>;
  /** The longest refresh token the backend takes encrypted (default: the contract's 65,536). */
  maxRefreshTokenLength?: number;
  cleanup?(namespaces: readonly string[]): void | Promise<void>;
}

/** Every form of a secret that must not be found at rest: the value, and unkeyed digests of it. */
function forbiddenForms(secret: string): string[] {
  const sha = createHash('sha256').update(secret, 'utf8').digest();
  return [
    secret,
    hashKey(secret),
    sha.toString('hex'),
    sha.toString('base64'),
    sha.toString('base64url'),
    Buffer.from(secret).toString('base64'),
  ];
}

/**
 * Saves tokens with distinctive secrets (a maximal refresh token, unicode) through an encrypted
 * store and checks what landed: no secret, no unkeyed SHA-256 of one, readable fields readable;
 * the tokens read back exactly by every lookup; a store without encryption refuses them.
 */
export async function checkEncryptionAtRest(target: AtRestTarget): Promise<void> {
  const namespace = freshNamespace();
  const stores: TokenStore[] = [];
  try {
    const store = await target.open(namespace);
    stores.push(store);
    const random = () => randomBytes(12).toString('hex');
    const longLength = target.maxRefreshTokenLength ?? MAX_VALUE_LENGTH;
    const tokens: OAuthToken[] = [
      sampleToken({ grantToken: `1000.grant.${random()}`, clientSecret: `secret-${random()}` }),
      // Random characters, as real tokens are: they compress little, so the size limits are honest.
      sampleToken({
        refreshToken: `1000.long.${random()}.${randomBytes(longLength).toString('base64url')}`.slice(0, longLength),
        accessToken: `1000.at.${random()}`,
      }),
      sampleToken({ accessToken: `jwt.${random()}.ünïcødé.✓`, refreshToken: `rt-${random()}-ß`, clientSecret: '' }),
    ];
    const saved = [];
    for (const token of tokens) saved.push(await store.saveToken(token));
    for (const [i, token] of tokens.entries()) {
      const byUser = await store.findToken({ userSignature: token.userSignature });
      for (const field of SECRET_FIELDS) assert.equal(byUser?.[field], token[field] ?? null, `token ${i} ${field} round-trips`);
      assert.equal((await store.findToken({ accessToken: token.accessToken }))?.id, saved[i]?.id, `token ${i} found by access token`);
      const client = { clientId: token.clientId, clientSecret: token.clientSecret };
      assert.equal(
        (await store.findToken({ refreshToken: token.refreshToken, ...client }))?.id,
        saved[i]?.id,
        `token ${i} by refresh token`,
      );
      if (token.grantToken)
        assert.equal((await store.findToken({ grantToken: token.grantToken, ...client }))?.id, saved[i]?.id, `by grant`);
    }
    const records = await target.raw(namespace);
    assert.equal(records.length, tokens.length, 'one raw entry per token');
    const text = [...stringsIn(records), (await target.rawText?.(namespace)) ?? ''].join('\n');
    for (const [i, token] of tokens.entries()) {
      for (const field of SECRET_FIELDS) {
        const value = token[field];
        if (!value) continue;
        for (const form of forbiddenForms(value))
          assert.ok(!text.includes(form), `token ${i}: ${field} (or an unkeyed digest of it) is readable at rest`);
        // The random part alone must not show either (a prefix or suffix kept in plain, say).
        const core = value.match(/[0-9a-f]{24}/)?.[0];
        if (core) assert.ok(!text.includes(core), `token ${i}: part of ${field} is readable at rest`);
      }
      assert.ok(text.includes(String(token.userSignature)), `token ${i}: userSignature stays readable`);
      assert.ok(text.includes(String(token.apiDomain)), `token ${i}: apiDomain stays readable`);
    }
    assert.ok(text.includes('§tokens-enc:'), 'the encryption envelope landed');
    assert.ok(text.includes('§tokens-hmac:'), 'the keyed digests landed');
    const listed = await store.getTokens();
    assert.equal(listed.length, tokens.length);
    assert.ok(
      listed.every((token) => !isEncryptedRecord(token)),
      'getTokens returns decrypted tokens',
    );
    if (target.openPlain) {
      const plain = await target.openPlain(namespace);
      stores.push(plain);
      await expectStoreError(plain.findToken({ userSignature: tokens[0]?.userSignature }), 'KEY_UNAVAILABLE', 'plain store, findToken');
      await expectStoreError(plain.getTokens(), 'KEY_UNAVAILABLE', 'plain store, getTokens');
      await expectStoreError(
        plain.saveToken({ userSignature: tokens[0]?.userSignature, accessToken: unique('at') }),
        'KEY_UNAVAILABLE',
        'plain store, saveToken',
      );
      assert.equal(
        (await store.findToken({ userSignature: tokens[0]?.userSignature }))?.accessToken,
        tokens[0]?.accessToken,
        'nothing was overwritten',
      );
    }
  } finally {
    await Promise.allSettled(stores.map((store) => store.close()));
    await target.cleanup?.([namespace]);
  }
}
