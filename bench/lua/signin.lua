-- users.signIn with fixed credentials: password verification is the service's CPU work.
-- Arguments: <email> <password>
local body = ""

function init(args)
  body = string.format('{"email":"%s","password":"%s"}', args[1], args[2])
end

function request()
  return wrk.format("POST", nil, { ["content-type"] = "application/json" }, body)
end
