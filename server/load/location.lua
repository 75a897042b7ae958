-- wrk: courier location updates, round-robin over the couriers' tokens.
-- Usage: wrk ... -s location.lua URL -- TOKENS_FILE
local tokens = {}
local n = 0

init = function(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
end

request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  -- Small steps around the restaurant: valid fixes, no impossible jumps.
  local lat = 37.7749 + (n % 50) * 0.00002
  local body = string.format('{"lat":%.6f,"lng":-122.4194}', lat)
  return wrk.format("POST", "/v1/couriers/me/location",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

-- An offered rate instead of a closed loop: each connection waits this
-- many milliseconds between requests (LOAD_DELAY_MS; 0 = as fast as possible).
local pause = tonumber(os.getenv("LOAD_DELAY_MS") or "0")
if pause > 0 then
  delay = function()
    return pause
  end
end
