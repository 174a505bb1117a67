import { randomBytes } from 'node:crypto';
import { isTokenStoreError } from '@tokens/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDbStore, MAX_ITEM_BYTES } from '../src/index.js';
import { deleteNamespaces, freshNamespace, rawTokens, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];
const full = (c: string) => c.repeat(65_536);
/** 65,536 characters like a real token (base64url of random bytes): compression barely shrinks them. */
const token = () => randomBytes(49_152).toString('base64url');
/** 65,536 random CJK characters: 3 bytes each as UTF-8, and little for deflate to find. */
const wide = () => String.fromCharCode(...Array.from({ length: 65_536 }, () => 0x4e00 + Math.floor(Math.random() * 20_000)));

describe.skipIf(!test)('dynamodb item size limits (400 KB per item)', () => {
  afterAll(() => deleteNamespaces(test!.raw, used));

  it('four 64 KiB ASCII secrets fit and round-trip; three fields of 3-byte characters are refused, nothing written', async () => {
    await using store = createDynamoDbStore({ ...test!.config, table: TABLE, namespace: freshNamespace('limits', used) });
    const saved = await store.saveToken({
      userSignature: 'big',
      clientSecret: full('s'),
      grantToken: full('g'),
      refreshToken: full('r'),
      accessToken: full('a'),
    });
    expect(await store.findToken({ refreshToken: full('r'), clientId: 'c', clientSecret: 'x' })).toMatchObject({
      id: saved.id,
      clientSecret: full('s'),
    });
    const error = await store
      .saveToken({ userSignature: 'wide', accessToken: full('€'), refreshToken: full('€'), grantToken: full('€') })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    expect((error as Error).message).toContain(`at most ${MAX_ITEM_BYTES} bytes`);
    // An update that would grow the item past the limit is refused too, and the stored token is unchanged.
    const grow = await store
      .saveToken({ userSignature: 'big', apiDomain: full('€'), redirectUrl: full('€') })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(grow, 'INVALID_TOKEN')).toBe(true);
    expect((await store.findTokenById(saved.id))?.version).toBe(1);
    expect(await rawTokens(test!.raw, store.namespace)).toHaveLength(1);
  });

  it('with core’s encryption: four 64 KiB ASCII secrets still fit; the envelope of larger ones is refused', async () => {
    const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };
    await using store = createDynamoDbStore({ ...test!.config, table: TABLE, namespace: freshNamespace('limits', used), encryption });
    const secrets = { clientSecret: token(), grantToken: token(), refreshToken: token(), accessToken: token() };
    const saved = await store.saveToken({ userSignature: 'sealed', ...secrets });
    expect(await store.findToken({ accessToken: secrets.accessToken })).toMatchObject({ id: saved.id, ...secrets });
    const [item] = await rawTokens(test!.raw, store.namespace);
    expect(String(item?.accessToken)).not.toContain(secrets.accessToken.slice(0, 40)); // a digest, not the value
    const bytes = Buffer.byteLength(JSON.stringify(item), 'utf8');
    // Measured: 263,758 bytes; deflate (~3/4 on base64url) and base64url (4/3) about cancel out.
    expect(bytes).toBeLessThan(MAX_ITEM_BYTES);
    const error = await store
      .saveToken({ userSignature: 'too-big', accessToken: wide(), refreshToken: wide(), grantToken: wide() })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    expect(await store.findToken({ userSignature: 'too-big' })).toBeNull();
  });
});
