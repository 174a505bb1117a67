export { type CopyCounts, type CopyFailure, type CopyOptions, type CopySummary, copyTokens, type Verification, verify } from './copy.js';
export { CliError, EXIT } from './failure.js';
export { globMatcher, matchesFilter, type TokenFilter } from './filters.js';
export { type OpenedStore, openSource, openStore, type StoreOverrides, type TokenSource } from './open.js';
export { createProgram, run } from './program.js';
export { parseDuration, relativeExpiry } from './time.js';
export { parseStoreUrl, type StoreKind, type StoreSpec, URL_EXAMPLES, URL_PARAMS } from './url.js';
