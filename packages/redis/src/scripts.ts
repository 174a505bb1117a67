import type { Cluster, Redis } from 'ioredis';
import { READ_FIELDS } from './codec.js';
import { KINDS } from './keys.js';

/*
 * Every write is one Lua script, so checks and writes are atomic on the server, across processes.
 * Scripts build some key names from ARGV prefixes (a token's hash from its ref, old index keys from
 * the digests stored in the hash): those keys share the namespace's hash tag, so in a Cluster they
 * live in the slot of KEYS[1]. Common ARGV: [1] ref, [2] token key prefix, [3] index key prefix.
 */

/** Field names as Lua string literals (they are plain identifiers: nothing to escape). */
const luaArgs = (names: readonly string[]): string => names.map((name) => `'${name}'`).join(', ');
const luaList = (names: readonly string[]): string => `{${luaArgs(names)}}`;

// An index key blocks a save only if it names another token that still exists: a dangling entry
// (say, evicted by a maxmemory policy) must not lock a value forever.
const TAKEN = `
local function taken(key, ref, tokenPrefix)
  local holder = redis.call('GET', key)
  return holder and holder ~= ref and redis.call('EXISTS', tokenPrefix .. holder) == 1
end
`;

// While a Cluster slot migrates, a command on a key that is not (or no longer) on the node fails
// the script where it stands, and what ran before it stays: so scripts read everything first, then
// write only keys they read or declared (Redis refuses the whole script unless its declared keys are
// all on the node), and never delete a key they write again (it is missing on the node in between).
// staleIndex: a token's index keys that still point at it, except those in keep (the caller
// rewrites them); unindex deletes them.
const UNINDEX = `
local kinds = {'user', 'access', 'refresh', 'grant'}
local function staleIndex(tokenKey, ref, indexPrefix, keep)
  local digests = redis.call('HMGET', tokenKey, 'idx:user', 'idx:access', 'idx:refresh', 'idx:grant')
  local stale = {}
  for i = 1, 4 do
    if digests[i] then
      local key = indexPrefix .. kinds[i] .. ':' .. digests[i]
      if not (keep and keep[key]) and redis.call('GET', key) == ref then stale[#stale + 1] = key end
    end
  end
  return stale
end
local function unindex(tokenKey, ref, indexPrefix)
  for _, key in ipairs(staleIndex(tokenKey, ref, indexPrefix)) do redis.call('DEL', key) end
end
`;

/** KEYS: index key. ARGV: token key prefix. Resolves the index and reads the token (READ_FIELDS) in one round trip. */
const FIND = `
local ref = redis.call('GET', KEYS[1])
if not ref then return false end
return redis.call('HMGET', ARGV[1] .. ref, ${luaArgs(READ_FIELDS)})
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
local keep, given, gone = {}, {}, {}
for i = 3, #KEYS do keep[KEYS[i]] = true end
local stale = staleIndex(KEYS[1], ARGV[1], ARGV[3], keep)
for i = 5, #ARGV, 2 do given[ARGV[i]] = true end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not given[field] then gone[#gone + 1] = field end
end
for _, key in ipairs(stale) do redis.call('DEL', key) end
-- Fields replaced in place (HSET, then HDEL of those the record no longer has), not DEL + HSET.
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
redis.call('SADD', KEYS[2], ARGV[1])
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
return 1
`;

/**
 * A whole save (core's SavePlan, rules 1-5) in one script, so one round trip and no read before it.
 * KEYS: ids set, then the index key of the lookup key when there is one. ARGV: [1] token key prefix,
 * [2] index key prefix, [3] ref and [4] id given ('' for none), [5] the lookup key's field and
 * [6] value, [7] expected version ('' for none), [8] sealed prefix, [9] ref and [10] id of the
 * record to insert when there is no target ('' for none); then the given fields: a count and
 * field/value pairs to set, a count and fields to clear, a count and kind/digest pairs of the
 * unique keys among them ('' when the new value indexes nothing). Digests come from the client
 * (Lua has no SHA-256). Replies {status, ...}: inserted; unchanged, sealed or corrupt with the stored
 * READ_FIELDS; updated with those before the write and the new version; stale with the stored
 * version; missing; duplicate with 1 when inserting.
 */
const SAVE = `${TAKEN}
local FIELDS = ${luaList([...READ_FIELDS, ...KINDS.map((kind) => `idx:${kind}`)])}
local tokenPrefix, indexPrefix = ARGV[1], ARGV[2]
-- The hash as a table (no entry for a missing field) and its READ_FIELDS as the client reads them.
local function read(ref)
  local values = redis.call('HMGET', tokenPrefix .. ref, unpack(FIELDS))
  local hash = {}
  for i = 1, #FIELDS do
    if values[i] then hash[FIELDS[i]] = values[i] end
  end
  for i = ${READ_FIELDS.length + 1}, #FIELDS do values[i] = nil end
  return hash, values
end

local setAt = 12
local clearAt = setAt + 2 * tonumber(ARGV[11]) + 1
local keysAt = clearAt + tonumber(ARGV[clearAt - 1]) + 1
local keysEnd = keysAt + 2 * tonumber(ARGV[keysAt - 1]) - 1

-- Rule 1: the token with the given id, else the one the lookup key's index names, if it holds the value.
local ref, hash, stored
if ARGV[3] ~= '' then
  hash, stored = read(ARGV[3])
  if hash.id == ARGV[4] then ref = ARGV[3] end
end
if not ref and KEYS[2] then
  local holder = redis.call('GET', KEYS[2])
  if holder then
    hash, stored = read(holder)
    if hash.id and hash[ARGV[5]] == ARGV[6] then ref = holder end
  end
end

-- Rule 2: no target.
if not ref then
  local newRef = ARGV[9]
  if newRef == '' then return {'missing'} end
  local tokenKey = tokenPrefix .. newRef
  if redis.call('EXISTS', tokenKey) == 1 then return {'duplicate', 1} end
  for i = keysAt, keysEnd, 2 do
    if ARGV[i + 1] ~= '' and taken(indexPrefix .. ARGV[i] .. ':' .. ARGV[i + 1], newRef, tokenPrefix) then return {'duplicate', 1} end
  end
  local fields = {'id', ARGV[10], 'version', '1'}
  for i = setAt, clearAt - 2 do fields[#fields + 1] = ARGV[i] end
  for i = keysAt, keysEnd, 2 do
    if ARGV[i + 1] ~= '' then
      fields[#fields + 1] = 'idx:' .. ARGV[i]
      fields[#fields + 1] = ARGV[i + 1]
    end
  end
  redis.call('HSET', tokenKey, unpack(fields))
  redis.call('SADD', KEYS[1], newRef)
  for i = keysAt, keysEnd, 2 do
    if ARGV[i + 1] ~= '' then redis.call('SET', indexPrefix .. ARGV[i] .. ':' .. ARGV[i + 1], newRef) end
  end
  return {'inserted'}
end

-- Rules 3 and 4. A version the client cannot read goes back to it unwritten (it reports CORRUPT).
local secret = hash.clientSecret
if secret and string.sub(secret, 1, #ARGV[8]) == ARGV[8] then return {'sealed', stored} end
local version = hash.version
if not (version and #version <= 16 and string.match(version, '^%d+$') and tonumber(version) >= 1) then return {'corrupt', stored} end
if ARGV[7] ~= '' and version ~= ARGV[7] then return {'stale', version} end

-- Rule 5: only the given fields that differ from the stored ones are written.
local sets, clears = {}, {}
for i = setAt, clearAt - 2, 2 do
  if hash[ARGV[i]] ~= ARGV[i + 1] then
    sets[#sets + 1] = ARGV[i]
    sets[#sets + 1] = ARGV[i + 1]
  end
end
for i = clearAt, keysAt - 2 do
  if hash[ARGV[i]] then clears[#clears + 1] = ARGV[i] end
end
if #sets == 0 and #clears == 0 then return {'unchanged', stored} end

-- Unique keys whose value changed: all checked before anything is written.
for i = keysAt, keysEnd, 2 do
  local new = ARGV[i + 1]
  if new ~= '' and hash['idx:' .. ARGV[i]] ~= new and taken(indexPrefix .. ARGV[i] .. ':' .. new, ref, tokenPrefix) then
    return {'duplicate', 0}
  end
end
-- Every old index key is read before the first write: in a migrating slot a key already moved
-- fails the script at that command, and it must fail before anything is written.
local dels, news = {}, {}
for i = keysAt, keysEnd, 2 do
  local kind, old, new = ARGV[i], hash['idx:' .. ARGV[i]], ARGV[i + 1]
  if new == '' then new = nil end
  if old ~= new then
    if old then
      local oldKey = indexPrefix .. kind .. ':' .. old
      if redis.call('GET', oldKey) == ref then dels[#dels + 1] = oldKey end
    end
    if new then
      news[#news + 1] = indexPrefix .. kind .. ':' .. new
      sets[#sets + 1] = 'idx:' .. kind
      sets[#sets + 1] = new
    else
      clears[#clears + 1] = 'idx:' .. kind
    end
  end
end
for _, key in ipairs(dels) do redis.call('DEL', key) end
for _, key in ipairs(news) do redis.call('SET', key, ref) end
-- %d, not tostring: tostring prints versions from 1e14 on in exponent notation.
local newVersion = string.format('%d', tonumber(version) + 1)
sets[#sets + 1] = 'version'
sets[#sets + 1] = newVersion
local tokenKey = tokenPrefix .. ref
redis.call('HSET', tokenKey, unpack(sets))
if #clears > 0 then redis.call('HDEL', tokenKey, unpack(clears)) end
-- As the 0.1.x update: a ref missing from the ids set (data altered) is listed again.
redis.call('SADD', KEYS[1], ref)
-- The hash as it was: the client applies the plan's fields to it (it sent them), saving a read.
return {'updated', stored, newVersion}
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
  tokensSave: SAVE,
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
