-- wrk script: target transitions through POST /api/v1/staff/targets/{id}/transition, as a staff
-- member (BENCH_COOKIE, BENCH_CSRF). The targets in the file BENCH_TARGETS (one id a line) all
-- start in notice_sent; each wrk thread takes every k-th one and moves its share around the
-- table's cycle notice_sent -> needs_info -> notice_sent, one target after another, so a target
-- comes round again only after all others of its thread (far more than its connections). Each
-- move follows the state the last answer for that target gave, so a request wrk drops when it
-- reconnects does not leave the target out of step.
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local targets = {}
local state = {} -- target id -> its state as the server last answered
local i = 0
local headers

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local line_no = 0
  for line in io.lines(os.getenv("BENCH_TARGETS")) do
    if line_no % threads == id - 1 then table.insert(targets, line) end
    line_no = line_no + 1
  end
  if #targets == 0 then error("transition.lua: no targets for thread " .. id) end
  headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "td_session=" .. os.getenv("BENCH_COOKIE"),
    ["X-CSRF-Token"] = os.getenv("BENCH_CSRF"),
  }
end

local to_needs_info = '{"to":"needs_info"}'
local to_notice_sent = '{"to":"notice_sent","reason":"未经同意拍摄并传播"}'

function request()
  i = i % #targets + 1
  local t = targets[i]
  local body = (state[t] or "notice_sent") == "notice_sent" and to_needs_info or to_notice_sent
  return wrk.format("POST", "/api/v1/staff/targets/" .. t .. "/transition", headers, body)
end

function response(status, headers, body)
  if status == 200 then
    local t, s = body:match('"target":%s*(%d+).-"state":%s*"([%a_]+)"')
    if t then state[t] = s end
  end
end
