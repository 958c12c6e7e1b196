-- wrk script for bench/bench.mjs. One request, sent over and over:
--   BENCH_METHOD   POST (default) or GET
--   BENCH_BODY     file whose content is the POST body (JSON-RPC)
--   BENCH_EXPECT   a string every response body must contain
-- MCP's headers are sent as a client would (Content-Type only with a body).
-- Every response is checked: a status outside 2xx, or a body without
-- BENCH_EXPECT, is counted, and done() prints one line
--   BENCHJSON {...}
-- with the totals, the bad-response counts summed over all threads, and the
-- latency percentiles (microseconds).

local method = os.getenv("BENCH_METHOD") or "POST"
local expect = os.getenv("BENCH_EXPECT")
local headers = {
  ["Accept"] = "application/json, text/event-stream",
  ["MCP-Protocol-Version"] = "2025-11-25",
}
local body = nil
if method == "POST" then
  local path = os.getenv("BENCH_BODY")
  local f = path and io.open(path, "rb")
  if not f then
    error("BENCH_BODY must name a readable file for a POST")
  end
  body = f:read("*a")
  f:close()
  headers["Content-Type"] = "application/json"
end

-- Setting wrk.* (and defining no request()) lets wrk build the request once.
wrk.method = method
wrk.body = body
wrk.headers = headers

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  bad_status = 0
  bad_body = 0
  first_bad = ""
end

function response(status, hdrs, resp_body)
  responses = responses + 1
  if status < 200 or status > 299 then
    bad_status = bad_status + 1
    if first_bad == "" then first_bad = "HTTP " .. status .. ": " .. string.sub(resp_body or "", 1, 200) end
  elseif expect and not string.find(resp_body or "", expect, 1, true) then
    bad_body = bad_body + 1
    if first_bad == "" then first_bad = "HTTP " .. status .. " without the expected text: " .. string.sub(resp_body or "", 1, 200) end
  end
end

local function jstr(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local n, bs, bb, fb = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    n = n + (t:get("responses") or 0)
    bs = bs + (t:get("bad_status") or 0)
    bb = bb + (t:get("bad_body") or 0)
    if fb == "" then fb = t:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"responses_checked":%d,' ..
    '"non_2xx":%d,"bad_body":%d,"first_bad":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, n, bs, bb, jstr(fb),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
