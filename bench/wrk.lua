-- wrk script: the session cookie and Host header from the environment; one JSON line at the end.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
local host = os.getenv("BENCH_HOST")
if host and host ~= "" then wrk.headers["Host"] = host end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
