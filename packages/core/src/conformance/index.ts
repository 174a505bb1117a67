export type { AtRestTarget } from './at-rest.js';
export { checkEncryptionAtRest } from './at-rest.js';
export { CASE_DEFINITIONS } from './cases/index.js';
export { INJECTION_STRINGS } from './cases/injection.js';
export { hostileTokens, invalidTokens } from './cases/input.js';
export { freshNamespace } from './context.js';
export { assertNoSecretsInError, errorChain } from './leaks.js';
export type { RunOptions } from './runner.js';
export { conformanceCases, formatReport, runConformance } from './runner.js';
export type {
  Capability,
  CaseContext,
  CaseDefinition,
  CaseResult,
  ConformanceCase,
  ConformanceReport,
  ConformanceTarget,
} from './types.js';
