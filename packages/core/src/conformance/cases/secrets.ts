import { inspect } from 'node:util';
import type { TokenStoreError } from '../../errors.js';
import { SECRET_FIELDS } from '../../token.js';
import { assert, expectStoreError, sampleToken, unique } from '../assertions.js';
import { assertNoSecretsInError } from '../leaks.js';
import type { CaseDefinition } from '../types.js';

function assertNoSecret(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} reveals a secret`);
}

export const secretCases: Record<string, CaseDefinition> = {
  'errors/no-secrets-in-errors': {
    title: 'errors name the backend and operation and reveal no secret',
    rule: 'TokenStoreError messages read "@tokens/<backend>: <operation>: <why>" and never contain a token or secret, nor does their inspection at any depth, nor JSON.stringify of the error or of any cause in its chain.',
    async run({ store }) {
      const token = sampleToken({ grantToken: unique('gt') });
      const saved = await store.saveToken(token);
      const secrets = SECRET_FIELDS.map((field) => token[field]).filter((value): value is string => Boolean(value));
      const errors: Error[] = [
        await expectStoreError(
          store.saveToken({ ...token, userSignature: unique('u'), expiryTime: 'soon' as unknown as number }),
          'INVALID_TOKEN',
          'bad expiry',
        ),
        await expectStoreError(store.saveToken({ ...sampleToken(), refreshToken: token.refreshToken }), 'CONFLICT', 'shared refresh token'),
        await expectStoreError(store.saveToken({ ...saved, version: 7 }), 'CONFLICT', 'stale version'),
        await expectStoreError(store.findToken({ accessToken: token.accessToken, clientId: 'c' }), 'INVALID_TOKEN', 'no key'),
      ];
      for (const error of errors) {
        const storeError = error as TokenStoreError;
        assert.match(storeError.message, /^@tokens\/[\w-]+: \w+: ./, 'message format');
        assert.ok(storeError.message.includes(`: ${storeError.operation}: `), 'message names the operation');
        assertNoSecret(`${storeError.message}\n${storeError.stack ?? ''}`, secrets, 'an error message');
        assertNoSecret(inspect(storeError, { depth: 8 }), secrets, 'an inspected error');
        assertNoSecretsInError(storeError, secrets, storeError.message);
      }
      await store.close();
      const closed = await expectStoreError(store.saveToken(token), 'CLOSED', 'closed store');
      assertNoSecret(inspect(closed, { depth: 8 }), secrets, 'a CLOSED error');
      assertNoSecretsInError(closed, secrets, 'a CLOSED error');
    },
  },
  'errors/no-secrets-in-inspect': {
    title: 'util.inspect of the store and of returned tokens hides secrets',
    rule: 'console.log of a store or of a returned token never prints access, refresh or grant tokens or the client secret.',
    async run({ store }) {
      const token = sampleToken({ grantToken: unique('gt') });
      const saved = await store.saveToken(token);
      const secrets = SECRET_FIELDS.map((field) => token[field]).filter((value): value is string => Boolean(value));
      assertNoSecret(inspect(store, { depth: 8, showHidden: false }), secrets, 'util.inspect(store)');
      assertNoSecret(inspect(saved, { depth: 8 }), secrets, 'util.inspect(saved token)');
      assertNoSecret(inspect(await store.getTokens(), { depth: 8 }), secrets, 'util.inspect(getTokens())');
      assert.ok(inspect(saved).includes(String(saved.userSignature)), 'non-secret fields are still shown');
    },
  },
};
