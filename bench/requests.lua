-- wrk script: cycle through the requests of the file named by env BENCH_REQUESTS (closed-loop capacity).
-- Each line: METHOD <TAB> PATH <TAB> AUTHORIZATION or - <TAB> CONTENT-TYPE or - <TAB> BODY or -
local requests = {}
local counter = 0

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  for line in io.lines(path) do
    local method, target, auth, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = {}
      if auth ~= "-" then headers["Authorization"] = auth end
      if ctype ~= "-" then headers["Content-Type"] = ctype end
      if body == "-" then body = nil end
      requests[#requests + 1] = wrk.format(method, target, headers, body)
    end
  end
  -- threads start at different offsets so they do not send the same request at once
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, requests_)
  local s = summary
  local errors = s.errors.connect + s.errors.read + s.errors.write + s.errors.status + s.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50": %.2f, "p90": %.2f, "p99": %.2f, ' ..
    '"max": %.2f, "errors": %d, "non_2xx": %d}\n',
    s.requests, s.duration / 1e6, s.requests / (s.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors, s.errors.status))
end
