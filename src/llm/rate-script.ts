/**
 * The Redis side of src/llm/rate-limiter.ts: one Lua script, so that refill,
 * check and take are one atomic step for every process sharing the hash.
 *
 * Hash fields: rl, il, ol — requests, input tokens, output tokens per minute
 * (0 = not known yet: that dimension is not paced); r, i, o — the levels;
 * t — last refill (ms, Redis clock, so processes on different hosts agree);
 * p — paused until (ms). Each bucket holds `burstMs` of refill.
 *
 * ARGV[1] = op, ARGV[2] = burstMs, then per op:
 *   pause   ms                                 → 0
 *   lease   rl il ol  rr ir or  dInput dOutput  gr gi go  n input output
 *           (limits, remaining, corrections: the settle part, -1 = absent)
 *           → k > 0 requests taken (each with input and output tokens), 0 when
 *             n = 0, or minus the ms to wait. The settle part is applied
 *             first, then gr requests / gi / go tokens leased earlier and not
 *             used are given back, so a process's bookkeeping rides on its
 *             next lease: one round trip for a block of requests (issue 13).
 *             k is at most a quarter of the request bucket, so that one
 *             process cannot take all of it.
 */

export interface Tokens {
  requests: number;
  input: number;
  output: number;
}

export const PACE_SCRIPT = `
local key = KEYS[1]
local op = ARGV[1]
local burst = tonumber(ARGV[2])
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local s = redis.call('HMGET', key, 'rl', 'il', 'ol', 'r', 'i', 'o', 't', 'p')
local lim = { tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0 }
local lvl = { tonumber(s[4]), tonumber(s[5]), tonumber(s[6]) }
local last = tonumber(s[7]) or now
local pause = tonumber(s[8]) or 0
local function cap(k) return math.max(1, lim[k] * burst / 60000) end
local function refill()
  local dt = math.max(0, now - last)
  for k = 1, 3 do
    if lim[k] > 0 then
      if lvl[k] == nil then lvl[k] = cap(k) end
      lvl[k] = math.min(cap(k), lvl[k] + dt * lim[k] / 60000)
    else
      lvl[k] = nil
    end
  end
end
local function f(x) if x == nil then return '' end return string.format('%.4f', x) end
local function save()
  redis.call('HSET', key, 'rl', lim[1], 'il', lim[2], 'ol', lim[3],
    'r', f(lvl[1]), 'i', f(lvl[2]), 'o', f(lvl[3]), 't', now, 'p', pause)
  redis.call('PEXPIRE', key, 3600000)
end
local function settle()
  for k = 1, 3 do
    local l = tonumber(ARGV[2 + k])
    if l ~= nil and l > 0 then
      if lim[k] == 0 then lvl[k] = nil end
      lim[k] = l
      if lvl[k] == nil then lvl[k] = cap(k) end
      if lvl[k] > cap(k) then lvl[k] = cap(k) end
    end
  end
  for k = 1, 3 do
    local rem = tonumber(ARGV[5 + k])
    if lim[k] > 0 and rem ~= nil and rem >= 0 and rem < lvl[k] then lvl[k] = rem end
  end
  local corr = { 0, tonumber(ARGV[9]) or 0, tonumber(ARGV[10]) or 0 }
  for k = 2, 3 do
    if lim[k] > 0 then lvl[k] = math.min(cap(k), lvl[k] + corr[k]) end
  end
end
refill()
if op == 'lease' then
  settle()
  for k = 1, 3 do
    local g = tonumber(ARGV[10 + k]) or 0
    if lim[k] > 0 and g > 0 then lvl[k] = math.min(cap(k), lvl[k] + g) end
  end
  local n = tonumber(ARGV[14])
  if n <= 0 then save() return 0 end
  if now < pause then save() return -(pause - now) end
  local need = { 1, tonumber(ARGV[15]), tonumber(ARGV[16]) }
  local k = n
  local wait = 0
  for d = 1, 3 do
    if lim[d] > 0 then
      if d == 1 then k = math.min(k, math.max(1, math.floor(cap(1) / 4))) end
      if need[d] > 0 then k = math.min(k, math.floor(lvl[d] / need[d])) end
      local want = math.min(need[d], cap(d))
      if lvl[d] < want then
        wait = math.max(wait, math.ceil((want - lvl[d]) * 60000 / lim[d]))
      end
    end
  end
  if wait > 0 then save() return -wait end
  -- A request larger than the bucket waits for a full bucket, then overdraws it.
  if k < 1 then k = 1 end
  for d = 1, 3 do
    if lim[d] > 0 then lvl[d] = lvl[d] - k * need[d] end
  end
  save()
  return k
elseif op == 'pause' then
  pause = math.max(pause, now + tonumber(ARGV[3]))
  save()
  return 0
end
return redis.error_reply('unknown op ' .. tostring(op))
`;
