-- wrk script: anonymous reports through POST /api/v1/cases (no CSRF token: the route takes JSON
-- without one), each with its own link and phone number so no two are the same case. With
-- BENCH_KEEP=DIR set, every 201's case id and receipt go to DIR/submitted.<thread> for the
-- receipt sign-in and the staff phases (a benchmark directory, deleted after the run).
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local body = [[{"language":"zh-CN","requester":{"role":"self","name":"王小明","contact":]] ..
  [[{"channel":"phone","value":"+86 139-%04d-%04d","safe_hours":"晚上八点以后","may_leave_message":false}},]] ..
  [["incident":{"type":"crime","date":"2024-05-01","place":"上海","police_case_no":"SH-2024-001"},]] ..
  [["description":"在地铁站被人偷拍,视频被传到网上。",]] ..
  [["consent":{"share_identity_with_platform":true,"preservation":"fingerprint"},]] ..
  [["good_faith":true,"signature":"王小明","targets":[]] ..
  [[{"kind":"online","url":"https://www.douyin.com/video/73%02d%015d","platform":"douyin","note":"播放量很高"},]] ..
  [[{"kind":"offline","holder":"便利店老板","where":"南京路一家便利店的监控"}],]] ..
  [["fingerprints":[{"alg":"sha256","value":"%064x"}]}]]
local headers = { ["Content-Type"] = "application/json" }
local n = 0
local keep

function init(args)
  n = math.random(0, 999999) * 1000
  local dir = os.getenv("BENCH_KEEP")
  if dir then keep = io.open(dir .. "/submitted." .. id .. "." .. n, "a") end
end

function request()
  n = n + 1
  local b = string.format(body, id % 10000, n % 10000, id % 100, n, n)
  return wrk.format("POST", "/api/v1/cases", headers, b)
end

function response(status, headers, body)
  if keep and status == 201 then
    local case, receipt = body:match('"case":%s*"([^"]+)"'), body:match('"receipt":%s*"([^"]+)"')
    if case and receipt then keep:write(case, " ", receipt, "\n"); keep:flush() end
  end
end
