-- embedis: the Lua side of the scripting environment (chunk "@embedis").
--
-- Everything a script calls that can fail (redis.*, cjson, cmsgpack, struct,
-- bit, math.random) is a Rust function, so errors carry the script's line as
-- Redis's C functions do. This chunk only adjusts the base library the way
-- Redis 7.0 does (pcall unwraps `{err=...}` errors, no print/dofile/...),
-- makes the globals and libraries read-only, and returns the runner.

local rust = ...
local G = _G

local error, type, tostring = error, type, tostring
local rawget_raw, rawset_raw, next_raw, pairs_raw, ipairs_raw = rawget, rawset, next, pairs, ipairs
local setmetatable, getmetatable = setmetatable, getmetatable
local pcall_raw, xpcall_raw = pcall, xpcall
local loadstring_raw, tconcat = loadstring, table.concat
local killed, handler, error_value = rust.killed, rust.handler, rust.error_value

-- Not in Redis 7.0's globals allow list.
for _, name in ipairs_raw({ 'print', 'dofile', 'loadfile', 'newproxy', 'module', 'require',
                            'package', 'os', 'io', 'debug', 'getfenv', 'setfenv' }) do
  rawset_raw(G, name, nil)
end

-- Read-only tables --------------------------------------------------------

local real_of = rust.real_of -- proxy -> real table (weak keys)

local function readonly_error()
  error('Attempt to modify a readonly table', 2)
end

-- A read-only view of `t`: reads fall through, writes raise as Redis's
-- read-only tables do. getmetatable on it gives `mt` (default false).
local function readonly(t, mt)
  local proxy = {}
  setmetatable(proxy, { __index = t, __newindex = readonly_error, __metatable = mt or false })
  real_of[proxy] = t
  return proxy
end

-- The base library, adjusted ----------------------------------------------

-- Redis 7.0's pcall: an error raised as {err=...} (redis.call) comes back as
-- its message. A script stopped by SCRIPT KILL cannot catch the kill.
local function pcall_result(ok, ...)
  if ok then
    return true, ...
  end
  if killed() then
    error((...), 0)
  end
  local e = error_value((...))
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then
      e = m
    end
  end
  return false, e
end

G.pcall = function(...)
  return pcall_result(pcall_raw(...))
end

local function unless_killed(ok, ...)
  if not ok and killed() then
    error((...), 0)
  end
  return ok, ...
end

G.xpcall = function(f, h)
  return unless_killed(xpcall_raw(f, function(e) return h(error_value(e)) end))
end

-- rawset / setmetatable refuse read-only tables (Rust functions, so the
-- error points at the script line, as Redis's C functions do).
G.rawset = rust.guard(rawset_raw)
G.setmetatable = rust.guard(setmetatable)

G.rawget = function(t, k)
  return rawget_raw(real_of[t] or t, k)
end

G.next = function(t, k)
  return next_raw(real_of[t] or t, k)
end

G.pairs = function(t)
  local real = real_of[t]
  if real then
    return next_raw, real, nil
  end
  return pairs_raw(t)
end

G.ipairs = function(t)
  return ipairs_raw(real_of[t] or t)
end

-- Text chunks only: Lua 5.1 does not verify bytecode.
G.loadstring = function(s, name)
  if type(s) == 'string' and s:byte(1) == 27 then
    return nil, 'binary chunks are not allowed'
  end
  return loadstring_raw(s, name)
end

G.load = function(f, name)
  local parts = {}
  while true do
    local piece = f()
    if piece == nil or piece == '' then
      break
    end
    if type(piece) ~= 'string' then
      return nil, 'reader function must return a string'
    end
    parts[#parts + 1] = piece
  end
  return G.loadstring(tconcat(parts), name or '=(load)')
end

do
  local resume = coroutine.resume
  local co = {}
  for k, v in pairs_raw(coroutine) do co[k] = v end
  co.resume = function(...)
    return unless_killed(resume(...))
  end
  G.coroutine = co
end

-- Protection ------------------------------------------------------------------

G.__redis__err__handler = handler
G.redis = readonly(rust.redis)
G.cjson = readonly(rust.cjson)
G.cmsgpack = readonly(rust.cmsgpack)
G.struct = readonly(rust.struct)
G.bit = readonly(rust.bit)
G.string = readonly(string)
G.table = readonly(table)
G.math = readonly(math)
G.coroutine = readonly(G.coroutine)

-- Strings index the read-only view, and getmetatable('') is read-only too.
do
  local mt = getmetatable('')
  mt.__index = G.string
  mt.__metatable = readonly({ __index = G.string })
end

-- The globals scripts see: reads fall through to G, writes raise, and a
-- missing global is an error (Redis's globals protection).
local function missing_global(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
-- getmetatable(_G) is Redis's read-only metatable of _G: { __index = ... }.
local P = readonly(G, readonly({ __index = missing_global }))
G._G = P
setmetatable(G, {
  __index = missing_global,
  __newindex = readonly_error,
  __metatable = false,
})

local function run(f, keys, argv)
  rawset_raw(G, 'KEYS', keys)
  rawset_raw(G, 'ARGV', argv)
  return xpcall_raw(f, handler)
end

return run, P
