import { describe, it } from 'node:test';
import { conformanceCases } from './runner.js';
import type { ConformanceTarget } from './types.js';

/** Registers the suite with `node:test`: one test per applicable case. */
export function describeConformance(target: ConformanceTarget): void {
  describe(`@tokens conformance: ${target.name}`, () => {
    for (const testCase of conformanceCases(target)) {
      if (testCase.missing.length > 0) continue;
      it(`${testCase.id}: ${testCase.title}`, { timeout: (target.timeoutMs ?? 30_000) + 5_000 }, testCase.run);
    }
  });
}
