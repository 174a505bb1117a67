import type { Cluster, Redis } from 'ioredis';

/*
 * The steps of the spread layout, each one script on one slot, so each is atomic on its own
 * (see claims.ts for how they compose). Times are the server's (`TIME`, in ms), never a client's.
 * A claim is the string `<ref> <version> <nonce> <claimed at> <valid until>`.
 */

// Redis 5 and 6 need this before a script may write after TIME; Redis 7 always replicates effects.
const NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function ms(n) return string.format('%.0f', n) end
`;

/*
 * A veto (`x:<nonce>` = until when, server ms) stops the one token write carrying that claim nonce.
 *
 * No script deletes a key it writes again, or touches a key it did not declare: while its slot is
 * being migrated, a script may only touch keys present on the node, and fails halfway otherwise
 * (Redis does not roll a script back), so a DEL then HSET could lose the token. Hashes are
 * rewritten in place instead.
 */
const VETOES = `
local function liveVeto(key, field)
  if string.sub(field, 1, 2) ~= 'x:' then return false end
  local untilMs = tonumber(redis.call('HGET', key, field))
  return untilMs ~= nil and untilMs > now
end
local function vetoed(key, nonce)
  return liveVeto(key, 'x:' .. nonce)
end
-- The hash becomes the given fields and its live vetoes; no TTL (a key holding only vetoes had one).
local function rewrite(key, fields)
  redis.call('HSET', key, unpack(fields))
  local wanted, stale = {}, {}
  for i = 1, #fields, 2 do wanted[fields[i]] = true end
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if not wanted[field] and not liveVeto(key, field) then stale[#stale + 1] = field end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  redis.call('PERSIST', key)
end
-- A token removed: its live vetoes stay, expiring with the last; the key goes if there is none.
local function strip(key)
  local stale, latest = {}, 0
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if liveVeto(key, field) then
      latest = math.max(latest, tonumber(redis.call('HGET', key, field)))
    else
      stale[#stale + 1] = field
    end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  if latest > 0 then redis.call('PEXPIRE', key, latest - now) end
end
`;

/**
 * KEYS: index key. ARGV: ref, version, nonce, ttl ms, expected claim ('' = only if absent).
 * {1, claim written, now} or {0, current claim or '', now}.
 */
const CLAIM = `${NOW}
local current = redis.call('GET', KEYS[1])
if (ARGV[5] == '' and current) or (ARGV[5] ~= '' and current ~= ARGV[5]) then return {0, current or '', ms(now)} end
local claim = ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ms(now) .. ' ' .. ms(now + tonumber(ARGV[4]))
redis.call('SET', KEYS[1], claim)
return {1, claim, ms(now)}
`;

/** KEYS: index key. {current claim or '', now}: a lookup's first step. */
const PEEK = `${NOW}
return {redis.call('GET', KEYS[1]) or '', ms(now)}
`;

/** KEYS: index key. ARGV: ref, nonce ('' = any of this ref). Deletes the claim if it is that one. 1 or 0. */
const RELEASE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ref, nonce = string.match(current, '^(%S+) %d+ (%S+) ')
if ref ~= ARGV[1] or (ARGV[2] ~= '' and nonce ~= ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * KEYS: token key. ARGV: claim nonce, kind, digest of the value, claim valid until, margin ms.
 * Makes the write under that claim impossible: 0 it happened already (the token holds the value
 * under that nonce), 1 it can no longer happen (expired), 2 vetoed.
 */
const FENCE = `${NOW}
local hasId = redis.call('HEXISTS', KEYS[1], 'id') == 1
if hasId and redis.call('HGET', KEYS[1], 'c:' .. ARGV[2]) == ARGV[1] and redis.call('HGET', KEYS[1], 'idx:' .. ARGV[2]) == ARGV[3] then
  return 0
end
local untilMs = tonumber(ARGV[4]) + tonumber(ARGV[5])
if untilMs <= now then return 1 end
redis.call('HSET', KEYS[1], 'x:' .. ARGV[1], ms(untilMs))
if not hasId then
  -- A veto with no token (a pending insert): the key goes once no write can land any more.
  local left = redis.call('PTTL', KEYS[1])
  if left < untilMs - now then redis.call('PEXPIRE', KEYS[1], untilMs - now) end
end
return 2
`;

/**
 * KEYS: token, bucket set. ARGV: ref, deadline, n, n claim nonces, field/value pairs.
 * 1 inserted, 0 the id exists, -1 a claim was vetoed, -2 past the deadline of the claims.
 */
const INSERT = `${NOW}${VETOES}
if now > tonumber(ARGV[2]) then return -2 end
if redis.call('HEXISTS', KEYS[1], 'id') == 1 then return 0 end
local n = tonumber(ARGV[3])
for i = 4, 3 + n do
  if vetoed(KEYS[1], ARGV[i]) then return -1 end
end
-- Membership first: one without its token is harmless (listing skips it), the reverse is not.
redis.call('SADD', KEYS[2], ARGV[1])
rewrite(KEYS[1], {unpack(ARGV, 4 + n)})
return 1
`;

/**
 * KEYS: token, bucket set. ARGV: ref, expected version, deadline, one claim nonce per kind
 * (user, access, refresh, grant: '' none, '=' the one held now, else a new claim), field/value pairs.
 * {1, the nonces held before, per kind} updated, {0} stale, {-1} vetoed, {-2} past the deadline.
 */
const UPDATE = `${NOW}${VETOES}
if redis.call('HEXISTS', KEYS[1], 'id') == 0 or redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] then return {0} end
if now > tonumber(ARGV[3]) then return {-2} end
local kinds = {'user', 'access', 'refresh', 'grant'}
local held = redis.call('HMGET', KEYS[1], 'c:user', 'c:access', 'c:refresh', 'c:grant')
local fields = {unpack(ARGV, 8)}
for i = 1, 4 do
  local nonce = ARGV[3 + i]
  if nonce == '=' then nonce = held[i] or '' elseif nonce ~= '' and vetoed(KEYS[1], nonce) then return {-1} end
  if nonce ~= '' then
    fields[#fields + 1] = 'c:' .. kinds[i]
    fields[#fields + 1] = nonce
  end
end
redis.call('SADD', KEYS[2], ARGV[1])
rewrite(KEYS[1], fields)
return {1, held[1] or '', held[2] or '', held[3] or '', held[4] or ''}
`;

const HELD = `redis.call('HMGET', tokenKey, 'idx:user', 'idx:access', 'idx:refresh', 'idx:grant', 'c:user', 'c:access', 'c:refresh', 'c:grant')`;

/**
 * KEYS: token, bucket set. ARGV: ref. Removes the token (its live vetoes stay, expiring) and its
 * membership; returns {digest per kind, nonce per kind} ('' where none) for the caller to release
 * its claims, or {} when there was no token.
 */
const DELETE = `${NOW}${VETOES}
local tokenKey = KEYS[1]
if redis.call('HEXISTS', tokenKey, 'id') == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return {}
end
local held = ${HELD}
local out = {}
for i = 1, 8 do out[i] = held[i] or '' end
strip(tokenKey)
redis.call('SREM', KEYS[2], ARGV[1])
return out
`;

/**
 * KEYS: bucket set, then token keys of that bucket. ARGV: their refs. Removes those tokens as DELETE
 * does; returns per token {ref, digest per kind, nonce per kind}. The set is touched last, once
 * (it goes when it empties).
 */
const DELETE_MANY = `${NOW}${VETOES}
local out = {}
for i = 2, #KEYS do
  local tokenKey = KEYS[i]
  if redis.call('HEXISTS', tokenKey, 'id') == 1 then
    local held = ${HELD}
    out[#out + 1] = ARGV[i - 1]
    for j = 1, 8 do out[#out + 1] = held[j] or '' end
    strip(tokenKey)
  end
end
redis.call('SREM', KEYS[1], unpack(ARGV))
return out
`;

/** KEYS: token keys (of one slot). The hash of each ({} where none). */
const FETCH = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
`;

export const SPREAD_SCRIPTS = {
  tokensSpreadClaim: CLAIM,
  tokensSpreadPeek: PEEK,
  tokensSpreadRelease: RELEASE,
  tokensSpreadFence: FENCE,
  tokensSpreadInsert: INSERT,
  tokensSpreadUpdate: UPDATE,
  tokensSpreadDelete: DELETE,
  tokensSpreadDeleteMany: DELETE_MANY,
  tokensSpreadFetch: FETCH,
} as const;

export type SpreadScript = keyof typeof SPREAD_SCRIPTS;

/** Adds the scripts to the client (`defineCommand`: EVALSHA, EVAL on NOSCRIPT); harmless to repeat. */
export function defineSpreadScripts(client: Redis | Cluster): void {
  for (const [name, lua] of Object.entries(SPREAD_SCRIPTS)) client.defineCommand(name, { lua });
}
