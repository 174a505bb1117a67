// Bare specifiers the example cannot resolve are resolved as if imported from packages/zoho:
// its node_modules hold the SDK, @tokens/sqlite and better-sqlite3, and @tokens/zoho is the
// package itself (a self-reference through its `exports`).
const zohoPackage = new URL('../../packages/zoho/package.json', import.meta.url).href;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || specifier.startsWith('.') || specifier.startsWith('/')) throw error;
    return next(specifier, { ...context, parentURL: zohoPackage });
  }
}
