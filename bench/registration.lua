-- wrk script: POST one registration per request, each with its own e-mail address.
-- Used by bench/registration.py --load wrk; the event slug comes from the environment.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("prefix", "t" .. counter)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  slug = os.getenv("BENCH_SLUG") or "bench"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local body = string.format(
    '{"name":"参加者 %s-%d","email":"%s-%d@example.org","organization":"Bench","sessions":["day1","reception"]}',
    prefix, n, prefix, n)
  return wrk.format("POST", "/api/v1/events/" .. slug .. "/registrations", nil, body)
end
