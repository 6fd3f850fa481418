-- payments.charge with a unique idempotency key per request, as many different users.
-- Arguments: <key prefix> <token> [<token> …]
local counter = 0
local prefix = "bench"
local tokens = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] .. "-" .. tostring(id)
  for i = 2, #args do tokens[#tokens + 1] = args[i] end
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = string.format(
    '{"amount":1250,"currency":"USD","source":"tok_visa","description":"bench","idempotencyKey":"%s-%d"}',
    prefix, counter)
  return wrk.format("POST", "/trpc/payments.charge",
    { ["content-type"] = "application/json", ["authorization"] = "Bearer " .. token }, body)
end
