import type { TokenStore } from '@tokens/core';

/** Loads a store package the user installed; a variable specifier keeps it out of this package's dependencies. */
async function load(name: string): Promise<Record<string, (options: Record<string, unknown>) => TokenStore>> {
  try {
    return (await import(name)) as Record<string, (options: Record<string, unknown>) => TokenStore>;
  } catch (error) {
    const missing =
      (error as { code?: unknown })?.code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`);
    if (!missing) throw error;
    throw new Error(`@tokens/zoho: the target needs ${name}: npm install ${name}`, { cause: error });
  }
}

/**
 * Opens the target store named on the command line: `sqlite:PATH`, `file:PATH`, `redis://…`,
 * `rediss://…`, `mysql://…`, `mongodb://…` (each needs its @tokens package installed).
 */
export async function openTarget(target: string, namespace: string | undefined): Promise<TokenStore> {
  const common = namespace ? { namespace } : {};
  if (target.startsWith('sqlite:')) return (await load('@tokens/sqlite')).createSqliteStore!({ path: target.slice(7), ...common });
  if (target.startsWith('file:')) return (await load('@tokens/file')).createFileStore!({ path: target.slice(5), ...common });
  if (/^rediss?:\/\//.test(target)) return (await load('@tokens/redis')).createRedisStore!({ url: target, ...common });
  if (target.startsWith('mysql://')) return (await load('@tokens/mysql')).createMysqlStore!({ uri: target, ...common });
  if (/^mongodb(\+srv)?:\/\//.test(target)) return (await load('@tokens/mongo')).createMongoStore!({ url: target, ...common });
  throw new Error('@tokens/zoho: --to must be sqlite:PATH, file:PATH, redis://…, mysql://… or mongodb://…');
}

/** A URL fit to print: its password replaced. */
export function safeTarget(target: string): string {
  return target.replace(/^([a-z+]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
