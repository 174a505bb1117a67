import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** The suite is runner-agnostic: besides vitest (conformance.test.ts), node:test and a plain script. */

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('running the conformance suite outside vitest', () => {
  it('runs under node:test and every case passes', async () => {
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', fixture('suite-with-node-test.mjs')]);
    const passed = Number(/^# pass (\d+)$/m.exec(stdout)?.[1]);
    expect(passed).toBeGreaterThan(60);
    expect(stdout).toMatch(/^# fail 0$/m);
    expect(stdout).toContain('ok 1 - @tokens conformance: memory via node:test');
  });

  it('runs from a plain CommonJS script that prints a report', async () => {
    const { stdout } = await run(process.execPath, [fixture('suite-as-script.cjs')]);
    expect(stdout).toMatch(/^@tokens conformance: memory via a plain script$/m);
    expect(stdout).toMatch(/^ok {3}lookup\/user-wins: /m);
    expect(stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(stdout).toMatch(/cases not applicable \(capabilities not declared\)/);
  });
});
