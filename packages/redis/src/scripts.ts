import type { Cluster, Redis } from 'ioredis';

/*
 * Every write is one Lua script, so checks and writes are atomic on the server, across processes.
 * Scripts build some key names from ARGV prefixes (a token's hash from its ref, old index keys from
 * the digests stored in the hash): those keys share the namespace's hash tag, so in a Cluster they
 * live in the slot of KEYS[1]. Common ARGV: [1] ref, [2] token key prefix, [3] index key prefix.
 */

// An index key blocks a save only if it names another token that still exists: a dangling entry
// (say, evicted by a maxmemory policy) must not lock a value forever.
const TAKEN = `
local function taken(key, ref, tokenPrefix)
  local holder = redis.call('GET', key)
  return holder and holder ~= ref and redis.call('EXISTS', tokenPrefix .. holder) == 1
end
`;

// Deletes a token's index keys, but only those that still point at it.
const UNINDEX = `
local kinds = {'user', 'access', 'refresh', 'grant'}
local function unindex(tokenKey, ref, indexPrefix)
  local digests = redis.call('HMGET', tokenKey, 'idx:user', 'idx:access', 'idx:refresh', 'idx:grant')
  for i = 1, 4 do
    if digests[i] then
      local key = indexPrefix .. kinds[i] .. ':' .. digests[i]
      if redis.call('GET', key) == ref then redis.call('DEL', key) end
    end
  end
end
`;

/** KEYS: index key. ARGV: token key prefix. Resolves the index and reads the token in one round trip. */
const FIND = `
local ref = redis.call('GET', KEYS[1])
if not ref then return false end
return redis.call('HGETALL', ARGV[1] .. ref)
`;

/** KEYS: token, ids set, index keys... ARGV: common, then field/value pairs. 1 inserted, 0 duplicate. */
const INSERT = `${TAKEN}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 3, #KEYS do
  if taken(KEYS[i], ARGV[1], ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('SADD', KEYS[2], ARGV[1])
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
return 1
`;

/**
 * KEYS: token, ids set, new index keys... ARGV: common, expected version, field/value pairs.
 * 1 updated, 0 stale (gone or another version), -1 duplicate.
 */
const UPDATE = `${TAKEN}${UNINDEX}
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[4] then return 0 end
for i = 3, #KEYS do
  if taken(KEYS[i], ARGV[1], ARGV[2]) then return -1 end
end
unindex(KEYS[1], ARGV[1], ARGV[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('SADD', KEYS[2], ARGV[1])
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
return 1
`;

/** KEYS: token, ids set. ARGV: common. Leaves nothing behind. */
const DELETE = `${UNINDEX}
unindex(KEYS[1], ARGV[1], ARGV[3])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: ids set. ARGV: token key prefix, index key prefix, batch size. Returns how many are left. */
const CLEAR_BATCH = `${UNINDEX}
local refs = redis.call('SRANDMEMBER', KEYS[1], tonumber(ARGV[3]))
for _, ref in ipairs(refs) do
  local tokenKey = ARGV[1] .. ref
  unindex(tokenKey, ref, ARGV[2])
  redis.call('DEL', tokenKey)
  redis.call('SREM', KEYS[1], ref)
end
return redis.call('SCARD', KEYS[1])
`;

/** KEYS: ids set. ARGV: token key prefix, SSCAN cursor, batch size. Returns {cursor, hash, hash, ...}. */
const LIST_BATCH = `
local page = redis.call('SSCAN', KEYS[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local out = {page[1]}
for _, ref in ipairs(page[2]) do out[#out + 1] = redis.call('HGETALL', ARGV[1] .. ref) end
return out
`;

const SCRIPTS = {
  tokensFind: FIND,
  tokensInsert: INSERT,
  tokensUpdate: UPDATE,
  tokensDelete: DELETE,
  tokensClearBatch: CLEAR_BATCH,
  tokensListBatch: LIST_BATCH,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

/** The commands `defineCommand` adds: the key count comes first, then keys, then arguments. */
export type ScriptClient = (Redis | Cluster) & {
  [name in ScriptName]: (numberOfKeys: number, ...keysAndArgs: Arg[]) => Promise<unknown>;
};

/**
 * `defineCommand` makes ioredis send EVALSHA and fall back to EVAL on NOSCRIPT (a restarted or
 * flushed server, a new Cluster node), so scripts cost one round trip without manual SCRIPT LOAD.
 * Defining them again on a shared client is harmless: the text, hence the SHA, is the same.
 */
export function defineScripts(client: Redis | Cluster): ScriptClient {
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
  return client as ScriptClient;
}
