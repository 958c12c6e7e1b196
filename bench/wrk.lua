-- wrk script for bench/bench.mjs and bench/oauth.mjs. One request, sent over
-- and over:
--   BENCH_METHOD   POST (default) or GET
--   BENCH_BODY     file whose content is the POST body (JSON-RPC)
--   BENCH_EXPECT   a string every response body must contain
--   BENCH_FORM     1: the body is a form (application/x-www-form-urlencoded,
--                  as /token takes) and MCP's headers are left out
--   BENCH_AUTH     an Authorization header value sent with every request
--   BENCH_TOKENS   file of bearer tokens, one per line: each request sends
--                  the next one (Authorization: Bearer ...), each thread
--                  starting at its own offset
-- MCP's headers are sent as a client would (Content-Type only with a body).
-- Every response is checked: a status outside 2xx, or a body without
-- BENCH_EXPECT, is counted, and done() prints one line
--   BENCHJSON {...}
-- with the totals, the bad-response counts summed over all threads, and the
-- latency percentiles (microseconds).

local method = os.getenv("BENCH_METHOD") or "POST"
local expect = os.getenv("BENCH_EXPECT")
local form = os.getenv("BENCH_FORM") == "1"
local headers = {}
if not form then
  headers["Accept"] = "application/json, text/event-stream"
  headers["MCP-Protocol-Version"] = "2025-11-25"
end
if os.getenv("BENCH_AUTH") then
  headers["Authorization"] = os.getenv("BENCH_AUTH")
end
local body = nil
if method == "POST" then
  local path = os.getenv("BENCH_BODY")
  local f = path and io.open(path, "rb")
  if not f then
    error("BENCH_BODY must name a readable file for a POST")
  end
  body = f:read("*a")
  f:close()
  headers["Content-Type"] = form and "application/x-www-form-urlencoded" or "application/json"
end

local tokens = nil
if os.getenv("BENCH_TOKENS") then
  tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if line ~= "" then table.insert(tokens, line) end
  end
  if #tokens == 0 then
    error("BENCH_TOKENS names a file without tokens")
  end
end

-- Setting wrk.* (and defining no request()) lets wrk build the request once.
wrk.method = method
wrk.body = body
wrk.headers = headers

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

local next_token = 0

function init(args)
  responses = 0
  bad_status = 0
  bad_body = 0
  first_bad = ""
  if tokens then
    next_token = (thread_no or 1) * 7919 % #tokens
  end
end

-- Only with BENCH_TOKENS: otherwise wrk builds the request once.
if tokens then
  function request()
    next_token = next_token % #tokens + 1
    headers["Authorization"] = "Bearer " .. tokens[next_token]
    return wrk.format(method, nil, headers, body)
  end
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
