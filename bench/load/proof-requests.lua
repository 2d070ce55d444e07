-- wrk script of the proof setups: every request carries its own pre-signed Portcullis-Proof (a
-- proof is single-use, so a replay would be refused). Arguments after `--`: the file of
-- "<request target> <proof header>" lines and the number of wrk threads; thread i takes every
-- line whose index is i modulo the thread count, so no two threads send the same proof. Once a
-- thread has used all its lines it sends an empty proof, which the shield refuses (counted as
-- non-2xx, so a run that outlasts its proofs shows up).
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local targets = {}
local proofs = {}
local used = 0

function init(args)
  local threads = tonumber(args[2])
  local index = 0
  for line in io.lines(args[1]) do
    if index % threads == id then
      local space = string.find(line, " ", 1, true)
      targets[#targets + 1] = string.sub(line, 1, space - 1)
      proofs[#proofs + 1] = string.sub(line, space + 1)
    end
    index = index + 1
  end
end

function request()
  used = used + 1
  local target = targets[used] or targets[1] or "/"
  wrk.headers["Portcullis-Proof"] = proofs[used] or ""
  return wrk.format(nil, target)
end
