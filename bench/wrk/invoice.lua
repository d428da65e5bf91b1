-- GET /api/v1/invoices/{id} for ids spread over 1..OWED_INVOICES (a stride through them,
-- so that every request reads a different row).
local token = os.getenv("OWED_TOKEN")
local n_invoices = tonumber(os.getenv("OWED_INVOICES"))
local n = 0
request = function()
  n = n + 1
  local id = (n * 7919) % n_invoices + 1
  return wrk.format("GET", "/api/v1/invoices/" .. id, {["Authorization"] = "Bearer " .. token})
end
