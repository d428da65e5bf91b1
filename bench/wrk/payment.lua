-- POST /api/v1/payments: 1 (major unit: valid in every currency) on account of a customer (refs read from OWED_REFS, one per
-- line), each request with its own Idempotency-Key and no ref (the server derives the
-- payment's ref from the key), every one a durable commit.
local token = os.getenv("OWED_TOKEN")
local run = os.getenv("OWED_RUN") or "r"
local refs = {}
for line in io.lines(os.getenv("OWED_REFS")) do refs[#refs + 1] = line end
local counter = 0
-- setup runs in the main state; thread:set makes `thread_id` a global of each thread.
local next_id = 0
thread_id = 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end
request = function()
  counter = counter + 1
  local ref = refs[(counter * 31 + thread_id) % #refs + 1]
  local body = '{"customer_ref":"' .. ref ..
    '","date":"2026-07-01","amount":"1","method":"wire","apply":"none"}'
  return wrk.format("POST", "/api/v1/payments", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, thread_id, counter)}, body)
end
