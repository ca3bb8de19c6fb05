-- wrk script: POST check-ins, each request the next registration code from CODES_FILE.
local codes = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
end

function init(args)
  for line in io.lines(os.getenv("CODES_FILE")) do
    table.insert(codes, line)
  end
  n = offset * 7919
  scan_ids = os.getenv("SCAN_IDS") == "1"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
  n = n + 1
  local code = codes[(n % #codes) + 1]
  local body = '{"scan":"' .. code .. '","session":"day1","device":"door-' .. offset .. '"'
  if scan_ids then
    -- as the scanner page sends: a new id per scan, so a retry can be recognised
    body = body .. ',"scan_id":"' .. offset .. '-' .. n .. '"'
  end
  body = body .. '}'
  return wrk.format("POST", "/api/v1/events/bench/checkins", nil, body)
end
