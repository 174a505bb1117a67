import { CASE_DEFINITIONS } from './cases/index.js';
import { withCaseContext } from './context.js';
import type { Capability, CaseResult, ConformanceCase, ConformanceReport, ConformanceTarget } from './types.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The suite as plain async cases, for any test runner: register each `run` as a test. Cases whose
 * capabilities the target lacks have a non-empty `missing` and should not be registered.
 */
export function conformanceCases(target: ConformanceTarget): ConformanceCase[] {
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return Object.entries(CASE_DEFINITIONS).map(([id, definition]) => ({
    id,
    title: definition.title,
    rule: definition.rule,
    missing: (definition.requires ?? []).filter((capability) => !hasCapability(target, capability)),
    run: () => withTimeout(withCaseContext(target, definition.run), timeoutMs, id),
  }));
}

export interface RunOptions {
  /** Only cases whose id starts with one of these prefixes (e.g. `lookup/`). */
  only?: readonly string[];
}

/** Runs every case in turn and reports; never throws for a failing case. */
export async function runConformance(target: ConformanceTarget, options: RunOptions = {}): Promise<ConformanceReport> {
  const results: CaseResult[] = [];
  for (const testCase of conformanceCases(target)) {
    if (options.only && !options.only.some((prefix) => testCase.id.startsWith(prefix))) continue;
    const base = { id: testCase.id, title: testCase.title, rule: testCase.rule };
    if (testCase.missing.length > 0) {
      results.push({ ...base, status: 'not-applicable', ms: 0 });
      continue;
    }
    const started = performance.now();
    try {
      await testCase.run();
      results.push({ ...base, status: 'passed', ms: performance.now() - started });
    } catch (error) {
      results.push({ ...base, status: 'failed', ms: performance.now() - started, error });
    }
  }
  const count = (status: CaseResult['status']) => results.filter((result) => result.status === status).length;
  return { target: target.name, passed: count('passed'), failed: count('failed'), notApplicable: count('not-applicable'), results };
}

/** A report a store author can read: one line per case, the rule and the reason for each failure. */
export function formatReport(report: ConformanceReport): string {
  const lines = [`@tokens conformance: ${report.target}`];
  for (const result of report.results) {
    const mark = result.status === 'passed' ? 'ok  ' : result.status === 'failed' ? 'FAIL' : 'n/a ';
    lines.push(`${mark} ${result.id}: ${result.title}`);
    if (result.status === 'failed') {
      lines.push(`     rule: ${result.rule}`);
      lines.push(`     why:  ${describeFailure(result.error)}`);
    }
  }
  lines.push('');
  if (report.notApplicable > 0) lines.push(`${report.notApplicable} cases not applicable (capabilities not declared)`);
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return lines.join('\n');
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message.split('\n')[0] ?? error.name;
}

function hasCapability(target: ConformanceTarget, capability: Capability): boolean {
  const capabilities = target.capabilities ?? {};
  return capability === 'raw' ? typeof capabilities.raw === 'function' : capabilities[capability] === true;
}

async function withTimeout(run: Promise<void>, ms: number, id: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${id} did not finish within ${ms} ms (a hanging store?)`)), ms);
  });
  try {
    await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
