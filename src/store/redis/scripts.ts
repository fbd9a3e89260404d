import { LuaScript } from './lua';

/**
 * The store's atomic operations. Each runs as one Lua script, so no other client's command can
 * interleave (no read-modify-write races between engines).
 *
 * Replays: ioredis sends a command again after a reconnect when the reply never came, though
 * the first copy may have been applied. Every write below is therefore idempotent when replayed:
 * record values end in a per-write nonce (a replayed write finds its own value and reports
 * success instead of a conflict), enqueue ignores a delivery id it already holds, and the rest
 * set absolute values.
 *
 * Record values are `<encoded record>\n<nonce>`, the record starting `[<v>,<status digit>,`
 * (record-codec.ts): status digit 0 is pending.
 *
 * Standalone Redis (or a primary with replicas / Sentinel): some scripts touch keys derived from
 * values (the record behind a number slot, the queue behind an ordering key), which Redis
 * Cluster would refuse.
 */

/** KEYS: slot, record. ARGV: id, value, ttlMs, replaceActive (1/0), record key prefix. → {1, replacedId|''} | {0, activeId} */
export const CREATE = new LuaScript(
  'create',
  2,
  `
local cur = redis.call('GET', KEYS[2])
if cur then
  if cur == ARGV[2] then return {1, ''} end
  return redis.error_reply('ERR record id already exists')
end
local active = redis.call('GET', KEYS[1])
local replaced = ''
if active and active ~= ARGV[1] then
  local rec = redis.call('GET', ARGV[5] .. active)
  if rec and string.match(rec, '^%[%d+,0,') then
    if ARGV[4] ~= '1' then return {0, active} end
    replaced = active
  end
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return {1, replaced}
`,
);

/** KEYS: record, slot. ARGV: expected current version, value, ttlMs, id. → 1 written | 0 conflict or missing */
export const UPDATE = new LuaScript(
  'update',
  2,
  `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if cur == ARGV[2] then return 1 end
if string.match(cur, '^%[(%d+),') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1
`,
);

/**
 * Jobs: hash `jobs` id → `<token>|<rest>`; sorted set `due` id → when it may be claimed next
 * (its time, or the end of the lease of whoever claimed it).
 */

/** KEYS: jobs, due. ARGV: id, encoded job, at. */
export const SCHEDULE_JOB = new LuaScript(
  'schedule-job',
  2,
  `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`,
);

/** KEYS: jobs hash, due zset. ARGV: per job `id, encoded, at` (as SCHEDULE_JOB, several at once). */
export const SCHEDULE_JOBS = new LuaScript(
  'schedule-jobs',
  2,
  `
for i = 1, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
end
return 1
`,
);

/** KEYS: jobs, due. ARGV: id. */
export const CANCEL_JOB = new LuaScript(
  'cancel-job',
  2,
  `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`,
);

/** KEYS: jobs, due. ARGV: now, limit, lease end. → flat {id, encoded, id, encoded, …} */
export const CLAIM_JOBS = new LuaScript(
  'claim-jobs',
  2,
  `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local enc = redis.call('HGET', KEYS[1], id)
  if enc then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    out[#out + 1] = id
    out[#out + 1] = enc
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
return out
`,
);

/** KEYS: jobs, due. ARGV: id, token. Removes the job only if it still has this token. */
export const ACK_JOB = new LuaScript(
  'ack-job',
  2,
  `
local enc = redis.call('HGET', KEYS[1], ARGV[1])
if enc and string.sub(enc, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`,
);

/**
 * Webhook outbox: hash `wd` delivery id → `<nextAt>\\n<attempts>\\n<orderingKey>\\n<lastError JSON>\\n<rest>`;
 * list `wq:<orderingKey>` holds the ids of one ordering key in enqueue order; sorted set `wdue`
 * holds each ordering key once, scored by when its head may be claimed next.
 */

/** KEYS: wd, wdue. ARGV: id, encoded, orderingKey, nextAt, queue key prefix. */
export const ENQUEUE_WEBHOOK = new LuaScript(
  'enqueue-webhook',
  2,
  `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('RPUSH', ARGV[5] .. ARGV[3], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
end
return 1
`,
);

/** KEYS: wd, wdue. ARGV: now, limit, lease end, queue key prefix. → flat {id, encoded, …}, heads only */
export const CLAIM_WEBHOOKS = new LuaScript(
  'claim-webhooks',
  2,
  `
local keys = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, k in ipairs(keys) do
  local q = ARGV[4] .. k
  local head = redis.call('LINDEX', q, 0)
  local enc = head and redis.call('HGET', KEYS[1], head)
  while head and not enc do
    redis.call('LPOP', q)
    head = redis.call('LINDEX', q, 0)
    enc = head and redis.call('HGET', KEYS[1], head)
  end
  if enc then
    redis.call('ZADD', KEYS[2], ARGV[3], k)
    out[#out + 1] = head
    out[#out + 1] = enc
  else
    redis.call('ZREM', KEYS[2], k)
  end
end
return out
`,
);

/** KEYS: wd, wdue. ARGV: id, queue key prefix. Removes the delivery; its successor becomes claimable. */
export const COMPLETE_WEBHOOK = new LuaScript(
  'complete-webhook',
  2,
  `
local enc = redis.call('HGET', KEYS[1], ARGV[1])
if not enc then return 0 end
local k = string.match(enc, '^%d+\\n%d+\\n([^\\n]*)\\n')
redis.call('HDEL', KEYS[1], ARGV[1])
local q = ARGV[2] .. k
local wasHead = redis.call('LINDEX', q, 0) == ARGV[1]
redis.call('LREM', q, 1, ARGV[1])
local head = redis.call('LINDEX', q, 0)
if not head then
  redis.call('ZREM', KEYS[2], k)
elseif wasHead then
  local henc = redis.call('HGET', KEYS[1], head)
  redis.call('ZADD', KEYS[2], henc and string.match(henc, '^(%d+)\\n') or 0, k)
end
return 1
`,
);

/** KEYS: wd, wdue. ARGV: id, nextAt, attempts, lastError (JSON), queue key prefix. Releases the lease. */
export const RETRY_WEBHOOK = new LuaScript(
  'retry-webhook',
  2,
  `
local enc = redis.call('HGET', KEYS[1], ARGV[1])
if not enc then return 0 end
local k, rest = string.match(enc, '^%d+\\n%d+\\n([^\\n]*)\\n[^\\n]*\\n(.*)$')
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\\n' .. ARGV[3] .. '\\n' .. k .. '\\n' .. ARGV[4] .. '\\n' .. rest)
if redis.call('LINDEX', ARGV[5] .. k, 0) == ARGV[1] then redis.call('ZADD', KEYS[2], ARGV[2], k) end
return 1
`,
);

/** KEYS: counter. ARGV: ttlMs. → count in the window */
export const HIT = new LuaScript(
  'hit',
  1,
  `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`,
);

/**
 * KEYS: counters. ARGV: per counter `ttlMs, limit, ifFirst` (1: only when the previous count was 1).
 * HIT on each in order, stopping after a count above its limit. → the counts made (0: skipped)
 */
export const HIT_CHAIN = new LuaScript(
  'hit-chain',
  'any',
  `
local counts = {}
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local n = 0
  if ARGV[base + 3] ~= '1' or counts[i - 1] == 1 then
    n = redis.call('INCR', key)
    if n == 1 then redis.call('PEXPIRE', key, ARGV[base + 1]) end
  end
  counts[i] = n
  if n > tonumber(ARGV[base + 2]) then break end
end
return counts
`,
);

/** KEYS: counter. Takes back one hit; DECR keeps the expiry, a missing (ended) window stays missing. */
export const UNHIT = new LuaScript(
  'unhit',
  1,
  `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
`,
);

/**
 * Idempotency keys: string `idem:<scope>|<key>` → `<p|d>\n<until ms>\n<token>\n<fingerprint>\n<response>`;
 * `p` is held in flight until its lease ends, `d` is done until it expires. Times are the
 * engines' clocks (ARGV `now`), so a lease ends on the same clock that started it; the Redis TTL
 * only collects what nobody asks for again.
 */
const IDEM_FIELDS = `'^(%a)\\n(%d+)\\n([^\\n]*)\\n([^\\n]*)\\n(.*)$'`;

/** KEYS: entry. ARGV: now, lease end, token, fingerprint, leaseMs. → {'r'} | {'p', fingerprint} | {'d', fingerprint, response} */
export const IDEMPOTENCY_RESERVE = new LuaScript(
  'idempotency-reserve',
  1,
  `
local cur = redis.call('GET', KEYS[1])
if cur then
  local held, untilMs, token, fp, response = string.match(cur, ${IDEM_FIELDS})
  if held and tonumber(untilMs) > tonumber(ARGV[1]) then
    if held == 'p' and token == ARGV[3] then return {'r'} end
    if held == 'p' then return {'p', fp} end
    return {'d', fp, response}
  end
end
redis.call('SET', KEYS[1], 'p\\n' .. ARGV[2] .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4] .. '\\n', 'PX', ARGV[5])
return {'r'}
`,
);

/** KEYS: entry. ARGV: now, token, expiry (ms), fingerprint, response, ttlMs. → 1 stored | 0 another token holds it */
export const IDEMPOTENCY_COMPLETE = new LuaScript(
  'idempotency-complete',
  1,
  `
local cur = redis.call('GET', KEYS[1])
if cur then
  local held, untilMs, token = string.match(cur, ${IDEM_FIELDS})
  if held and token ~= ARGV[2] and tonumber(untilMs) > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], 'd\\n' .. ARGV[3] .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5], 'PX', ARGV[6])
return 1
`,
);

/** KEYS: entry. ARGV: token. Deletes the entry if this token holds it in flight. */
export const IDEMPOTENCY_RELEASE = new LuaScript(
  'idempotency-release',
  1,
  `
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, 1, 2) == 'p\\n' then
  local _, _, token = string.match(cur, ${IDEM_FIELDS})
  if token == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
end
return 0
`,
);

/** Line claims: string `line:<line>` → owner. KEYS: line. ARGV: owner, ttlMs. → 1 held by owner, 0 held by another */
export const CLAIM_LINE = new LuaScript(
  'claim-line',
  1,
  `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
);

/** KEYS: line. ARGV: owner. Deletes the claim only if the owner still holds it. */
export const RELEASE_LINE = new LuaScript(
  'release-line',
  1,
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`,
);
