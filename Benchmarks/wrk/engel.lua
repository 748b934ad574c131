-- wrk script for scripts/bench: one blacklist call per request, chosen by ENGEL_BENCH_MODE.
--   add-new     add numbers never listed (unique per thread and request)
--   add-listed  add numbers already in the seeded list
--   delete      delete seeded numbers, each once
--   first-page  get-blacklist page 1, rowCount 100
--   last-page   get-blacklist page ENGEL_BENCH_LAST_PAGE, rowCount 100
--   filtered    get-blacklist with ENGEL_BENCH_FILTER_START/END, page ENGEL_BENCH_FILTER_PAGE
--   fixed       the first-page body (for the nginx reference)
--   unknown     the first-page body to a path Engel does not serve: its 404 envelope is the cost of
--               HTTP, routing and middleware alone, with no body read and no store call
-- done() prints one JSON line: requests per second, p50 and p99 in milliseconds, non-2xx answers.
local mode = os.getenv("ENGEL_BENCH_MODE") or "first-page"
local key = os.getenv("ENGEL_BENCH_KEY") or ""
local hash = os.getenv("ENGEL_BENCH_HASH") or ""
local seeded_first = tonumber(os.getenv("ENGEL_BENCH_SEEDED_FIRST") or "905320000000")
local seeded_count = tonumber(os.getenv("ENGEL_BENCH_SEEDED_COUNT") or "1000000")
-- Where add-new's numbers start, past those of earlier add-new rows.
local new_offset = tonumber(os.getenv("ENGEL_BENCH_NEW_OFFSET") or "0")
-- How many threads wrk runs (its -t), which share the seeded list between them for deletes.
local writing_threads = tonumber(os.getenv("ENGEL_BENCH_THREADS") or "8")
-- A delete row run again on the same list (scripts/bench-compare) takes part ENGEL_BENCH_DELETE_PART
-- of ENGEL_BENCH_DELETE_PARTS of each thread's share, so no run deletes what an earlier one did.
local delete_part = tonumber(os.getenv("ENGEL_BENCH_DELETE_PART") or "0")
local delete_parts = tonumber(os.getenv("ENGEL_BENCH_DELETE_PARTS") or "1")
local threads = {}
local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

local counter = 0

local function envelope(blacklist)
    return string.format(
        '{"request":{"authentication":{"key":"%s","hash":"%s"},"blacklist":%s}}', key, hash, blacklist)
end

local function number_body(n)
    return envelope(string.format('{"number":"%d"}', n))
end

local function page_body(page, filter)
    if filter then
        return envelope(string.format('{"filter":{"start":"%s","end":"%s"},"page":"%d","rowCount":"100"}',
            filter[1], filter[2], page))
    end
    return envelope(string.format('{"page":"%d","rowCount":"100"}', page))
end

local static_path, static_body

function init(args)
    local slot = tonumber(id) or 0
    if mode == "first-page" or mode == "fixed" then
        static_path, static_body = "/v1/get-blacklist/json", page_body(1)
    elseif mode == "unknown" then
        static_path, static_body = "/v1/unknown/json", page_body(1)
    elseif mode == "last-page" then
        static_path, static_body = "/v1/get-blacklist/json", page_body(tonumber(os.getenv("ENGEL_BENCH_LAST_PAGE")))
    elseif mode == "filtered" then
        static_path = "/v1/get-blacklist/json"
        static_body = page_body(tonumber(os.getenv("ENGEL_BENCH_FILTER_PAGE")),
            { os.getenv("ENGEL_BENCH_FILTER_START"), os.getenv("ENGEL_BENCH_FILTER_END") })
    end
    -- Writes walk disjoint ranges, one per thread: deletes that ran into the next thread's range
    -- would find their numbers gone, cheaper answers that flattered a faster server.
    base = slot * math.floor(seeded_count / writing_threads)
    delete_base = base + delete_part * math.floor(seeded_count / writing_threads / delete_parts)
end

request = function()
    if static_body then
        return wrk.format("POST", static_path, { ["Content-Type"] = "application/json" }, static_body)
    end
    counter = counter + 1
    local path, n
    if mode == "add-new" then
        path, n = "/v1/add-blacklist/json", 905330000000 + new_offset + (tonumber(id) or 0) * 1000000 + counter
    elseif mode == "add-listed" then
        path, n = "/v1/add-blacklist/json", seeded_first + (base + counter * 7) % seeded_count
    else
        path, n = "/v1/delete-blacklist/json", seeded_first + delete_base + counter
    end
    return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, number_body(n))
end

function done(summary, latency, requests)
    local non2xx = summary.errors.status
    local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format(
        '{"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"requests":%d,"non2xx":%d,"socket_errors":%d}\n',
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests, non2xx, socket))
end
