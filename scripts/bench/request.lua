-- wrk script for `make bench`: method, JSON body, token or cookie from the environment, and one
-- machine-readable result line (latencies in microseconds) for scripts/bench/endpoints.py to parse.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("BENCH_TOKEN") or ""
if token ~= "" then
  wrk.headers["Authorization"] = "Token " .. token
end
-- The web pages sign in with the session cookie instead.
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

-- A path of its own each request: "{n}" in BENCH_RANDOM_PATH becomes a random number from 1 to
-- BENCH_RANDOM_MAX (seeded per thread), so PostgreSQL is not asked for one row over and over.
local template = os.getenv("BENCH_RANDOM_PATH") or ""
if template ~= "" then
  local highest = tonumber(os.getenv("BENCH_RANDOM_MAX") or "1000")
  request = function()
    if not seeded then
      math.randomseed(os.time() + (thread_id or 0) * 7919)
      seeded = true
    end
    local path = template:gsub("{n}", tostring(math.random(1, highest)))
    return wrk.format(nil, path)
  end
end

setup = function(thread)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_id", thread_count)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
