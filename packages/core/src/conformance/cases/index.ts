import type { CaseDefinition } from '../types.js';
import { concurrencyCases } from './concurrency.js';
import { injectionCases } from './injection.js';
import { inputCases } from './input.js';
import { lifecycleCases } from './lifecycle.js';
import { lookupCases } from './lookup.js';
import { modelCases } from './model.js';
import { removalCases } from './removal.js';
import { saveCases } from './save.js';
import { secretCases } from './secrets.js';

/** Every case of the contract, keyed by a stable id (`group/name`). */
export const CASE_DEFINITIONS: Readonly<Record<string, CaseDefinition>> = Object.freeze({
  ...modelCases,
  ...lookupCases,
  ...saveCases,
  ...removalCases,
  ...injectionCases,
  ...inputCases,
  ...concurrencyCases,
  ...lifecycleCases,
  ...secretCases,
});
