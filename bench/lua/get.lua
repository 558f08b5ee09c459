-- GET a list of paths round robin. BENCH_PATHS: paths separated by spaces.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
  paths[#paths + 1] = p
end
local i = 0

local threads = 0
function setup(thread)
  -- runs in wrk's main Lua state; gives each thread its own starting point
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  i = (thread_id or 0) * 7919
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
