-- wrk script: GETs that cycle through the paths in the file BENCH_PATHS (one a line), with the
-- staff session cookie BENCH_COOKIE: the case view over many cases.
local paths = {}
local i = 0
local headers

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do table.insert(paths, line) end
  if #paths == 0 then error("paths.lua: no paths") end
  i = math.random(0, #paths - 1)
  headers = { ["Cookie"] = "td_session=" .. os.getenv("BENCH_COOKIE") }
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
