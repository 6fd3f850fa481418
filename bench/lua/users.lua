-- GET a procedure as many different signed-in users, one bearer token after another.
-- Arguments: <path with query> <token> [<token> …]
local path = "/"
local tokens = {}
local counter = 0

function init(args)
  path = args[1]
  for i = 2, #args do tokens[#tokens + 1] = args[i] end
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  return wrk.format("GET", path, { ["authorization"] = "Bearer " .. token })
end
