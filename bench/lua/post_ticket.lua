-- POST /api/v1/tickets with a fresh JSON body each time.
-- BENCH_CUSTOMERS: customer ids the token's user may serve, separated by spaces.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local customers = {}
for c in string.gmatch(os.getenv("BENCH_CUSTOMERS") or "", "%S+") do
  customers[#customers + 1] = c
end
local n = 0
local types = {"inquiry", "request", "complaint", "inquiry"}
local priorities = {"normal", "normal", "high", "low"}

local threads = 0
function setup(thread)
  -- runs in wrk's main Lua state; gives each thread its own starting point
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  n = (thread_id or 0) * 1000003
  -- passing a headers table to wrk.format would drop the -H ones (the bearer token)
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local body = string.format(
    '{"subject":"压测工单 bench %d","description":"配送迟到，请回电。The order was late.",' ..
    '"customer_id":%s,"type":"%s","priority":"%s"}',
    n, customers[(n % #customers) + 1], types[(n % #types) + 1], priorities[(n % #priorities) + 1])
  return wrk.format("POST", "/api/v1/tickets", nil, body)
end
