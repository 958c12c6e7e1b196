-- wrk script of the soak (soak/soak.mjs): one stream of requests, the
-- bodies taken in turn from a file (one body per line), every answer checked.
--
--   SOAK_BODIES   file: one request body per line; request i sends line i mod n
--   SOAK_FORM     1: the bodies are forms (/token); otherwise JSON-RPC to /mcp
--                 with MCP's headers
--   SOAK_AUTH     the Authorization header of every request
--   SOAK_EXPECT   a string every answer's body must contain
--   SOAK_REJECT   a string no answer's body may contain (e.g. "isError")
--
-- done() prints one line, SOAKJSON {...}: requests, non-2xx answers, bodies
-- that failed the checks (with the first of them), wrk's socket errors and
-- the latency percentiles (microseconds).

local form = os.getenv("SOAK_FORM") == "1"
local expect = os.getenv("SOAK_EXPECT")
local reject = os.getenv("SOAK_REJECT")

local headers = {}
if form then
  headers["Content-Type"] = "application/x-www-form-urlencoded"
else
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json, text/event-stream"
  headers["MCP-Protocol-Version"] = "2025-06-18"
end
if os.getenv("SOAK_AUTH") then
  headers["Authorization"] = os.getenv("SOAK_AUTH")
end

local bodies = {}
do
  local path = os.getenv("SOAK_BODIES")
  if not path then error("SOAK_BODIES must name a file of request bodies") end
  for line in io.lines(path) do
    if line ~= "" then table.insert(bodies, line) end
  end
  if #bodies == 0 then error("SOAK_BODIES names a file without bodies") end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

local next_body = 0

function init(args)
  responses = 0
  bad_status = 0
  bad_body = 0
  first_bad = ""
  next_body = (thread_no or 1) * 7 % #bodies
end

function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[next_body])
end

function response(status, hdrs, body)
  responses = responses + 1
  body = body or ""
  if status < 200 or status > 299 then
    bad_status = bad_status + 1
    if first_bad == "" then first_bad = "HTTP " .. status .. ": " .. string.sub(body, 1, 300) end
  elseif (expect and not string.find(body, expect, 1, true)) or (reject and string.find(body, reject, 1, true)) then
    bad_body = bad_body + 1
    if first_bad == "" then first_bad = "HTTP " .. status .. ": " .. string.sub(body, 1, 300) end
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
    'SOAKJSON {"requests":%d,"duration_us":%d,"responses":%d,"non_2xx":%d,"bad_body":%d,"first_bad":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.requests, summary.duration, n, bs, bb, jstr(fb),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
