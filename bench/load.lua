-- wrk script of the load run (bench/load.py): bench/wrk.lua's cookie and Host header, plus a
-- count of the 5xx answers of every thread (a response hook), in the one JSON line at the end.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
local host = os.getenv("BENCH_HOST")
if host and host ~= "" then wrk.headers["Host"] = host end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

server_errors = 0
response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end

done = function(summary, latency, requests)
  local fives = 0
  for _, thread in ipairs(threads) do fives = fives + thread:get("server_errors") end
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"server_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    fives, latency:percentile(50), latency:percentile(99)))
end
