-- wrk script of bench/llm_bench.sh: POSTs one chat request body, read from the file named by
-- BENCH_BODY_FILE, with JSON content type and the extra headers in BENCH_HEADERS (one
-- "Name: value" per line; Portkey's x-portkey-* headers, for instance).
local path = os.getenv("BENCH_BODY_FILE")
local file = assert(io.open(path, "rb"), "cannot read BENCH_BODY_FILE " .. tostring(path))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if name then
    wrk.headers[name] = value
  end
end
