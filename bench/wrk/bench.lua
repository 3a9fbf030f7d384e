-- wrk script of bench/: configured through the environment so that one file serves every workload.
--   BENCH_WRK_RATE     total requests/s to offer (0 or unset: as fast as the connections allow, i.e. saturation)
--   BENCH_WRK_THREADS  wrk's -t, to split the rate between threads
--   BENCH_WRK_COOKIES  a file with one Cookie header value per line: requests take them round-robin
--   BENCH_WRK_STATUSES 1: count responses per status code (costs a Lua call per response)
-- done() prints one line "BENCH_JSON {...}" that bench/benchlib.py parses.
--
-- A fixed offered rate without wrk2: delay() spaces the requests of each wrk thread on a common schedule (a token
-- bucket shared by the thread's connections). Latency is measured from when a request is actually sent, so a
-- server that falls behind the schedule is not charged for the wait (coordinated omission, unlike wrk2).

local rate = tonumber(os.getenv("BENCH_WRK_RATE") or "0") or 0
local nthreads = tonumber(os.getenv("BENCH_WRK_THREADS") or "1") or 1
local cookie_file = os.getenv("BENCH_WRK_COOKIES")
local count_statuses = os.getenv("BENCH_WRK_STATUSES") == "1"

threads = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

if cookie_file and cookie_file ~= "" then
   local cookies = {}
   for line in io.lines(cookie_file) do
      if line ~= "" then table.insert(cookies, line) end
   end
   local next_cookie = 0
   local headers = nil

   function request()
      if headers == nil then
         headers = {}
         for k, v in pairs(wrk.headers) do headers[k] = v end
         -- Threads start at different places of the list, so they do not walk it in lockstep.
         next_cookie = ((thread_index or 0) * 7919) % #cookies
      end
      next_cookie = next_cookie % #cookies + 1
      headers["Cookie"] = cookies[next_cookie]
      return wrk.format(nil, nil, headers)
   end
end

if rate > 0 then
   local ffi = require("ffi")
   ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
      int clock_gettime(int clk_id, bench_timespec *tp);
   ]]
   local ts = ffi.new("bench_timespec")
   local CLOCK_MONOTONIC = 1
   local function now_ms()
      ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
      return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
   end
   local interval = 1000 * nthreads / rate
   local next_at = nil

   function delay()
      local now = now_ms()
      if next_at == nil or next_at < now - 1000 then
         next_at = now -- first request, or more than a second behind: do not burst to catch up
      end
      local wait = next_at - now
      next_at = next_at + interval
      if wait < 0 then return 0 end
      return math.floor(wait)
   end
end

if count_statuses then
   statuses = {}
   function response(status, headers, body)
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local merged = {}
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      if type(s) == "table" then
         for code, n in pairs(s) do merged[code] = (merged[code] or 0) + n end
      end
   end
   local parts = {}
   for code, n in pairs(merged) do table.insert(parts, string.format('"%d":%d', code, n)) end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d},' ..
      '"statuses":{%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
      table.concat(parts, ",")))
end
