-- GET /api/v1/reports/aging?as_of=2026-06-30 as CSV: the whole book, every request.
local token = os.getenv("OWED_TOKEN")
request = function()
  return wrk.format("GET", "/api/v1/reports/aging?as_of=2026-06-30",
                    {["Authorization"] = "Bearer " .. token, ["Accept"] = "text/csv"})
end
