import { type ConformanceTarget, formatReport, runConformance } from '@tokens/core/conformance';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, MemoryDatabase } from '../src/index.js';
import { DuplicatesOnRace, erasesOnPartialSave, ignoresPrecedence, sharesReferences } from './fixtures/broken-stores.js';

/** The suite proves itself: it passes a correct store and fails each deliberately broken one. */

function failedIds(report: Awaited<ReturnType<typeof runConformance>>): string[] {
  return report.results.filter((result) => result.status === 'failed').map((result) => result.id);
}

describe('the conformance suite judges stores', () => {
  it('passes the memory store with every capability', async () => {
    const database = new MemoryDatabase();
    const report = await runConformance({
      name: 'memory',
      open: (namespace) => createMemoryStore({ namespace, database }),
      capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => database.rawRecords(namespace) },
    });
    expect(failedIds(report)).toEqual([]);
    expect(report.notApplicable).toBe(0);
    expect(report.passed).toBeGreaterThan(60);
  });

  it('fails a store that ignores the lookup precedence', async () => {
    const database = new MemoryDatabase();
    const report = await runConformance({ name: 'ignores-precedence', open: (namespace) => ignoresPrecedence(namespace, database) });
    expect(failedIds(report)).toContain('lookup/user-wins');
    expect(formatReport(report)).toMatch(/Rule 1 comes first/);
  });

  it('fails a store that erases fields on a partial save', async () => {
    const database = new MemoryDatabase();
    const report = await runConformance({ name: 'erases-on-partial-save', open: (namespace) => erasesOnPartialSave(namespace, database) });
    expect(failedIds(report)).toEqual(expect.arrayContaining(['save/undefined-keeps', 'save/partial-update-allowed']));
  });

  it('fails a backend that duplicates on a race', async () => {
    const target: ConformanceTarget = { name: 'duplicates-on-race', open: (namespace) => new DuplicatesOnRace(namespace) };
    const report = await runConformance(target, { only: ['race/'] });
    expect(failedIds(report)).toContain('race/first-saves-one-record');
    expect(formatReport(report)).toMatch(/never create duplicates/);
  });

  it('fails a store that returns its internal objects', async () => {
    const database = new MemoryDatabase();
    const report = await runConformance({ name: 'shares-references', open: (namespace) => sharesReferences(namespace, database) });
    expect(failedIds(report)).toContain('model/returned-tokens-are-copies');
  });

  it('reports a case as not applicable when its capability is not declared', async () => {
    const report = await runConformance(
      { name: 'memory-no-capabilities', open: (namespace) => createMemoryStore({ namespace }) },
      { only: ['reopen/', 'race/'] },
    );
    expect(report.results.find((result) => result.id === 'reopen/tokens-survive')?.status).toBe('not-applicable');
    expect(report.results.find((result) => result.id === 'race/first-saves-raw')?.status).toBe('not-applicable');
    expect(report.failed).toBe(0);
  });

  it('fails a case that hangs, within its time limit', async () => {
    const report = await runConformance(
      {
        name: 'hangs',
        timeoutMs: 200,
        open: (namespace) => {
          const store = createMemoryStore({ namespace });
          return {
            ...store,
            namespace,
            close: () => store.close(),
            [Symbol.asyncDispose]: () => store.close(),
            findTokenById: () => new Promise(() => {}),
            saveToken: (t) => store.saveToken(t),
            findToken: (p) => store.findToken(p),
            getTokens: () => store.getTokens(),
            deleteToken: (id) => store.deleteToken(id),
            deleteTokens: () => store.deleteTokens(),
          };
        },
      },
      { only: ['lookup/by-id'] },
    );
    expect(report.failed).toBe(1);
    expect(formatReport(report)).toMatch(/did not finish within 200 ms/);
  });
});
