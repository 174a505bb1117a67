import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConformanceReport, ConformanceTarget } from '@tokens/core/conformance';
import { CliError, EXIT, UsageError } from '../failure.js';
import { out } from '../output.js';
import { positiveInt } from './copy.js';

export interface CheckFlags {
  export?: string;
  reopen?: boolean;
  multiInstance?: boolean;
  only?: string[];
  timeoutMs?: string;
  all?: boolean;
  json?: boolean;
}

type Opener = (namespace: string, shelf: Record<string, unknown>) => unknown;

/**
 * `tokens check MODULE`: the conformance suite against the user's store module. The module either
 * exports a whole `ConformanceTarget` (as `conformanceTarget` or its default export), or a store
 * factory `(namespace, shelf?) => TokenStore | TokenBackend` — the shape of `examples/custom-store`,
 * where `shelf` is one object shared by every store the suite opens in this run.
 */
export async function checkCommand(modulePath: string, flags: CheckFlags): Promise<number> {
  const conformance = await import('@tokens/core/conformance');
  const target = await loadTarget(modulePath, flags);
  const report = await conformance.runConformance(target, flags.only?.length ? { only: flags.only } : {});
  if (flags.json) out(JSON.stringify(jsonReport(report), null, 2));
  else if (flags.all) out(conformance.formatReport(report));
  else out(failuresOnly(report));
  return report.failed > 0 ? EXIT.FINDINGS : EXIT.OK;
}

async function loadTarget(modulePath: string, flags: CheckFlags): Promise<ConformanceTarget> {
  const url = pathToFileURL(resolve(modulePath)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(resolve(modulePath))) {
      throw new UsageError(`cannot find the module ${modulePath}`);
    }
    throw new CliError('MODULE_FAILED', `importing ${modulePath} failed: ${(error as Error)?.message ?? String(error)}`, EXIT.USAGE, error);
  }
  const timeoutMs = flags.timeoutMs === undefined ? {} : { timeoutMs: positiveInt(flags.timeoutMs, '--timeout-ms') };
  const declared = { ...(flags.reopen ? { reopen: true } : {}), ...(flags.multiInstance ? { multiInstance: true } : {}) };

  const whole = [module.conformanceTarget, module.default].find(isTarget);
  if (whole && !flags.export) {
    return { ...whole, capabilities: { ...whole.capabilities, ...declared }, ...timeoutMs };
  }
  const [name, open] = pickFactory(module, modulePath, flags.export);
  const shelf: Record<string, unknown> = {};
  return {
    name: `${modulePath} (${name})`,
    open: (namespace) => open(namespace, shelf) as ReturnType<ConformanceTarget['open']>,
    capabilities: declared,
    ...timeoutMs,
  };
}

function pickFactory(module: Record<string, unknown>, modulePath: string, wanted?: string): [string, Opener] {
  if (wanted) {
    const value = module[wanted];
    if (typeof value !== 'function') throw new UsageError(`${modulePath} has no exported function "${wanted}"`);
    return [wanted, value as Opener];
  }
  if (typeof module.default === 'function') return ['default', module.default as Opener];
  const factories = Object.entries(module).filter(([key, value]) => typeof value === 'function' && /^create\w*Store$/.test(key));
  if (factories.length === 1) return factories[0] as [string, Opener];
  const functions = Object.keys(module).filter((key) => typeof module[key] === 'function');
  throw new UsageError(
    factories.length > 1
      ? `${modulePath} exports several store factories (${factories.map(([key]) => key).join(', ')}): pick one with --export NAME`
      : `${modulePath} exports no create…Store function${functions.length ? ` (it has: ${functions.join(', ')}; pick one with --export NAME)` : ''}`,
  );
}

function isTarget(value: unknown): value is ConformanceTarget {
  return typeof value === 'object' && value !== null && typeof (value as ConformanceTarget).open === 'function';
}

function failuresOnly(report: ConformanceReport): string {
  const lines = [`@tokens conformance: ${report.target}`];
  for (const result of report.results) {
    if (result.status !== 'failed') continue;
    lines.push(`FAIL ${result.id}: ${result.title}`);
    lines.push(`     rule: ${result.rule}`);
    lines.push(`     why:  ${firstLine(result.error)}`);
  }
  lines.push('');
  if (report.notApplicable > 0) {
    lines.push(`${report.notApplicable} cases not applicable (capabilities not declared: --reopen, --multi-instance)`);
  }
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return lines.join('\n');
}

function jsonReport(report: ConformanceReport) {
  return {
    ...report,
    results: report.results.map(({ error, ...result }) => (error === undefined ? result : { ...result, why: firstLine(error) })),
  };
}

function firstLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message.split('\n')[0] ?? error.name;
}
