-- wrk script: receipt sign-ins (POST /api/v1/receipt/session) with the receipts the submit phase
-- kept, one line "case receipt" each in the file BENCH_RECEIPTS; each wrk thread takes every
-- k-th line and cycles through its share.
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local receipts = {}
local i = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local line_no = 0
  for line in io.lines(os.getenv("BENCH_RECEIPTS")) do
    local receipt = line:match("^%S+ (.+)$")
    if receipt and line_no % threads == id - 1 then table.insert(receipts, receipt) end
    line_no = line_no + 1
  end
  if #receipts == 0 then error("receipt.lua: no receipts for thread " .. id) end
end

function request()
  i = i % #receipts + 1
  return wrk.format("POST", "/api/v1/receipt/session", headers,
    '{"receipt":"' .. receipts[i] .. '"}')
end
