import { describe, it } from 'vitest';
import { conformanceCases } from './runner.js';
import type { ConformanceTarget } from './types.js';

/**
 * Registers the suite with vitest: one test per case, named after it. Cases needing a capability
 * the target does not declare are left out, not skipped.
 */
export function describeConformance(target: ConformanceTarget): void {
  describe(`@tokens conformance: ${target.name}`, () => {
    for (const testCase of conformanceCases(target)) {
      if (testCase.missing.length > 0) continue;
      it(`${testCase.id}: ${testCase.title}`, testCase.run, (target.timeoutMs ?? 30_000) + 5_000);
    }
  });
}
