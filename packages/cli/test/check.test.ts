import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { tempDir, tokens } from './helpers.js';

const example = (file: string) => fileURLToPath(new URL(`../../../examples/custom-store/${file}`, import.meta.url));

describe('check MODULE', () => {
  test('the example object store passes: exit 0 and a summary', async () => {
    const result = await tokens(['check', example('object-store.mjs'), '--reopen', '--multi-instance']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^@tokens conformance: .*object-store\.mjs \(createObjectStore\)\n/);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
  }, 120_000);

  test('the broken store fails: each failing case with its rule, exit 1', async () => {
    const result = await tokens(['check', example('broken-store.mjs')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL lookup/user-exact-case-sensitive: userSignature matching is exact and case-sensitive');
    expect(result.stdout).toMatch(/ {5}rule: Lookups compare exactly: .*\n {5}why: {2}\S/);
    expect(result.stdout).toMatch(/cases not applicable \(capabilities not declared: --reopen, --multi-instance\)/);
    expect(result.stdout).toMatch(/\n\d+ passed, [1-9]\d* failed\n$/);
  }, 120_000);

  test('--only, --all and --json', async () => {
    const only = await tokens(['check', example('broken-store.mjs'), '--only', 'save/', '--all']);
    expect(only.code).toBe(0);
    expect(only.stdout).toMatch(/^ok {3}save\//m);
    expect(only.stdout).not.toMatch(/lookup\//);
    const json = await tokens(['check', example('broken-store.mjs'), '--only', 'lookup/', '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { failed: number; results: { id: string; status: string; why?: string }[] };
    expect(report.results.find((result) => result.id === 'lookup/user-exact-case-sensitive')).toMatchObject({
      status: 'failed',
      why: expect.any(String),
    });
  }, 120_000);

  test('a module without a store factory, or a missing file: exit 2 with the reason', async () => {
    const missing = await tokens(['check', './nope.mjs']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('tokens: USAGE: cannot find the module ./nope.mjs\n');
    const tmp = tempDir('check');
    try {
      const module = join(tmp.dir, 'helpers.mjs');
      writeFileSync(module, 'export const helper = () => 1;\nexport const version = 2;\n');
      const noFactory = await tokens(['check', module]);
      expect(noFactory.code).toBe(2);
      expect(noFactory.stderr).toMatch(/exports no create…Store function \(it has: helper; pick one with --export NAME\)\n$/);
    } finally {
      tmp.dispose();
    }
  }, 120_000);
});
