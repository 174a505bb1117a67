import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MariaDbServer, startMariaDb } from '@tokens/test-servers';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listJson, tempDir, tokens } from './helpers.js';

const HEADER = 'id,user_mail,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain';
const ROWS = [
  '1,alice@example.com,1000.ALICE,alice-secret,1000.r.alice,1000.a.alice,,1893456000000,https://app.example.com/cb,https://www.zohoapis.com',
  '2,bob@example.com,1000.BOB,bob-secret,1000.r.bob,,,1893456000001,https://app.example.com/cb,https://www.zohoapis.eu',
  // A value with a comma: the SDK's CSV has no quoting, so the importer reports the line and leaves it out.
  '3,carol@example.com,1000.C,sec,ret,1000.r.carol,,,1893456000002,https://app.example.com/cb,https://www.zohoapis.com',
  '4,dave@example.com,1000.DAVE,dave-secret,1000.r.dave,1000.a.dave,,,https://app.example.com/cb,',
];

describe('Zoho SDK stores as copy sources', () => {
  const tmp = tempDir('zoho');
  const csv = join(tmp.dir, 'zcrm_oauthtokens.csv');
  const sqlite = `sqlite:${join(tmp.dir, 'tokens.db')}`;
  let server: MariaDbServer | null = null;

  beforeAll(async () => {
    // The FileStore format: a header line, one line per token, no trailing newline.
    writeFileSync(csv, [HEADER, ...ROWS].join('\n'));
    server = await startMariaDb();
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    tmp.dispose();
  });

  test('zoho-csv → sqlite: every readable row copied with its SDK id; the bad line reported; re-run unchanged', async () => {
    const first = await tokens(['copy', `zoho-csv:${csv}`, sqlite]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^skipped line 4 \(id 3\): 11 cells where the header has 10/m);
    expect(first.stdout).toMatch(/^copied 3, updated 0, unchanged 0, failed 0/);
    expect(first.stdout).toContain('verified: all 3 source tokens are in the target with the same data');
    for (const secret of ['alice-secret', '1000.r.alice', '1000.a.alice']) expect(first.stdout + first.stderr).not.toContain(secret);

    const stored = await listJson(sqlite);
    expect(stored.map((token) => token.id).sort()).toEqual(['1', '2', '4']);
    expect(stored.find((token) => token.id === '1')).toEqual({
      id: '1',
      version: 1,
      userSignature: 'alice@example.com',
      clientId: '1000.ALICE',
      clientSecret: 'alice-secret',
      redirectUrl: 'https://app.example.com/cb',
      grantToken: null,
      refreshToken: '1000.r.alice',
      accessToken: '1000.a.alice',
      expiryTime: 1893456000000,
      apiDomain: 'https://www.zohoapis.com',
    });
    expect(stored.find((token) => token.id === '4')).toMatchObject({ expiryTime: null, apiDomain: null });

    const again = await tokens(['copy', `zoho-csv:${csv}`, sqlite]);
    expect(again.stdout).toMatch(/^copied 0, updated 0, unchanged 3, failed 0/);
  });

  test('an SDK id that the target gives to another user is refused, not overwritten', async () => {
    const target = `${sqlite}?namespace=clash`;
    writeFileSync(
      join(tmp.dir, 'other.csv'),
      [HEADER, '1,mallory@example.com,1000.M,m-secret,1000.r.m,,,1893456000000,https://app.example.com/cb,'].join('\n'),
    );
    expect((await tokens(['copy', `zoho-csv:${csv}`, target])).code).toBe(0);
    const clash = await tokens(['copy', `zoho-csv:${join(tmp.dir, 'other.csv')}`, target]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(
      /^failed: id 1 user mallory@example\.com: CONFLICT: the target's token with this id belongs to another user/m,
    );
    expect((await listJson(target)).find((token) => token.id === '1')).toMatchObject({ userSignature: 'alice@example.com' });
  });

  test('zoho-csv is read-only: it is refused as a target', async () => {
    const result = await tokens(['copy', sqlite, `zoho-csv:${csv}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/a Zoho SDK store can only be read by "tokens copy" \(as FROM\)/);
  });

  test('zoho-mysql (the DBStore table) → sqlite', async (context) => {
    if (!server) return context.skip('MariaDB not installed');
    const uri = `mysql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}`;
    const connection = await mysql.createConnection(uri);
    try {
      // The table of the SDK README (DBStore).
      await connection.query(
        'CREATE TABLE oauthtoken (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), PRIMARY KEY (id))',
      );
      await connection.query('INSERT INTO oauthtoken VALUES ?', [
        [
          [
            '10',
            'erin@example.com',
            '1000.E',
            'erin-secret',
            '1000.r.erin',
            '1000.a.erin',
            null,
            '1893456000000',
            'https://app.example.com/cb',
            'https://www.zohoapis.in',
          ],
          [
            '11',
            'frank@example.com',
            '1000.F',
            'frank-secret',
            '1000.r.frank',
            null,
            null,
            '1893456000000',
            'https://app.example.com/cb',
            null,
          ],
        ],
      ]);
    } finally {
      await connection.end();
    }
    const target = `${sqlite}?namespace=fromdb`;
    const result = await tokens([
      'copy',
      `zoho-mysql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}?table=oauthtoken`,
      target,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^copied 2, updated 0, unchanged 0, failed 0/);
    expect(result.stderr).toContain('reading zoho-mysql://app:***@');
    expect(result.stdout + result.stderr).not.toContain(server.password);
    expect((await listJson(target)).map((token) => [token.id, token.userSignature, token.apiDomain]).sort()).toEqual([
      ['10', 'erin@example.com', 'https://www.zohoapis.in'],
      ['11', 'frank@example.com', null],
    ]);
  });
});
