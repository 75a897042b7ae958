-- wrk: order placements, each with a fresh Idempotency-Key, round-robin
-- over the customers' tokens.
-- Usage: wrk ... -s place.lua URL -- TOKENS_FILE
local tokens = {}
local n = 0
local thread_tag = tostring(math.random(1, 1000000000))

init = function(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  thread_tag = tostring(math.random(1, 1000000000)) .. "-" .. tostring(os.time())
end

local body = '{"restaurant_id":1,"items":[{"item_id":1,"quantity":2}],"dropoff":{"lat":37.7849,"lng":-122.4094}}'

request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  return wrk.format("POST", "/v1/orders", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "load-" .. thread_tag .. "-" .. n,
  }, body)
end

-- An offered rate instead of a closed loop: each connection waits this
-- many milliseconds between requests (LOAD_DELAY_MS; 0 = as fast as possible).
local pause = tonumber(os.getenv("LOAD_DELAY_MS") or "0")
if pause > 0 then
  delay = function()
    return pause
  end
end
