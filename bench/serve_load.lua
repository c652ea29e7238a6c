-- serve_load.lua: the wrk script of bench/serve_load.sh.
--
--   wrk -t T -c C -d D -s bench/serve_load.lua http://127.0.0.1:PORT -- QUERY_LOG [K [PARAMS]]
--
-- Each wrk thread reads QUERY_LOG ('qid<TAB>text' lines, bench/gen_queries.py;
-- a line without a tab is the text itself) and cycles through its queries,
-- each as GET /search?q=TEXT&k=K (default k 10; TEXT percent-encoded byte by
-- byte, every byte but A-Z a-z 0-9 - . _ ~), then &PARAMS when given (as is:
-- "total_limit=0&all=1"), thread n starting at the n-th
-- slice of the log so that the threads do not ask the same query at once.
-- Requests are made once, in init(): request() only picks the next one.
--
-- response() checks every answer: a status other than 200 is an error (wrk
-- itself counts only socket errors and statuses > 399), and so is a 200
-- without a "took_us" member (a truncated or foreign body).  From the 200s
-- it takes "took_us" (the server's own time for the request, from its
-- request line to the JSON built) and "generation" (the index generation
-- that answered), and counts "damaged":true answers.
--
-- done() prints one line, key=value separated by spaces, for the shell:
--   serve_load: requests=N duration_us=N qps=F lat_mean_us=F p50_us=N p90_us=N
--     p99_us=N lat_max_us=N non200=N bad200=N damaged=N sock_connect=N
--     sock_read=N sock_write=N sock_timeout=N errors=N took_n=N took_mean_us=F
--     took_max_us=N gens=G1,G2,... statuses=STATUS:COUNT,... first_error=TEXT
-- where errors = non200 + bad200 + damaged + the socket errors (wrk's
-- connect, read, write errors and timeouts), gens the generations
-- seen in increasing order ("-" if none), statuses the non-200 statuses
-- ("-" if none; 0 is a 200 without took_us), first_error the start of the
-- first bad answer (status, then at most 120 bytes of its body, spaces as
-- '_'; "-" if none).  Everything else wrk prints is left to wrk.

local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
    table.insert(threads, thread)
end

local function encode(s)
    return (s:gsub("[^A-Za-z0-9%-%._~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

function init(args)
    local path = args[1]
    local k = args[2] or "10"
    local extra = (args[3] and args[3] ~= "") and ("&" .. args[3]) or ""
    if not path then
        error("serve_load.lua: no query log (wrk ... -- QUERY_LOG [K])")
    end
    local f = assert(io.open(path, "r"))
    reqs = {}
    for line in f:lines() do
        local text = line:match("^[^\t]*\t(.*)$") or line
        text = text:gsub("\r$", "")
        if text ~= "" then
            reqs[#reqs + 1] = wrk.format("GET", "/search?q=" .. encode(text) .. "&k=" .. k .. extra)
        end
    end
    f:close()
    if #reqs == 0 then
        error("serve_load.lua: no queries in '" .. path .. "'")
    end
    -- thread n of the wrk threads starts at slice n (threads know their id
    -- only; 16 slices are enough to keep them apart)
    next_i = ((id - 1) * math.floor(#reqs / 16)) % #reqs
    non200, bad200, damaged = 0, 0, 0
    took_n, took_sum, took_max = 0, 0, 0
    gens = {}      -- generation -> count of answers
    statuses = {}  -- status -> count
    first_error = nil
end

function request()
    next_i = next_i % #reqs + 1
    return reqs[next_i]
end

local function bad(status, body)
    statuses[status] = (statuses[status] or 0) + 1
    if not first_error then
        local b = (body or ""):sub(1, 120):gsub("%s", "_")
        first_error = tostring(status) .. ":" .. b
    end
end

function response(status, headers, body)
    if status ~= 200 then
        non200 = non200 + 1
        bad(status, body)
        return
    end
    local took = body:match('"took_us":(%d+)')
    if not took then
        bad200 = bad200 + 1
        bad(0, body)
        return
    end
    took = tonumber(took)
    took_n = took_n + 1
    took_sum = took_sum + took
    if took > took_max then took_max = took end
    local g = body:match('"generation":(%d+)')
    if g then
        g = tonumber(g)
        gens[g] = (gens[g] or 0) + 1
    end
    if body:find('"damaged":true', 1, true) then
        damaged = damaged + 1
    end
end

local function keys_joined(t, with_counts)
    local ks = {}
    for key in pairs(t) do ks[#ks + 1] = key end
    table.sort(ks)
    if #ks == 0 then return "-" end
    local out = {}
    for _, key in ipairs(ks) do
        out[#out + 1] = with_counts and (tostring(key) .. ":" .. t[key]) or tostring(key)
    end
    return table.concat(out, ",")
end

function done(summary, latency, requests)
    local t = {non200 = 0, bad200 = 0, damaged = 0, took_n = 0, took_sum = 0, took_max = 0}
    local all_gens, all_statuses, first = {}, {}, nil
    for _, thread in ipairs(threads) do
        for name in pairs(t) do
            local v = thread:get(name) or 0
            if name == "took_max" then
                if v > t[name] then t[name] = v end
            else
                t[name] = t[name] + v
            end
        end
        for g, n in pairs(thread:get("gens") or {}) do all_gens[g] = (all_gens[g] or 0) + n end
        for s, n in pairs(thread:get("statuses") or {}) do
            all_statuses[s] = (all_statuses[s] or 0) + n
        end
        first = first or thread:get("first_error")
    end
    local e = summary.errors
    local errors = t.non200 + t.bad200 + t.damaged + e.connect + e.read + e.write + e.timeout
    local secs = summary.duration / 1e6
    print(string.format(
        "serve_load: requests=%d duration_us=%d qps=%.1f lat_mean_us=%.1f p50_us=%d p90_us=%d"
            .. " p99_us=%d lat_max_us=%d non200=%d bad200=%d damaged=%d sock_connect=%d"
            .. " sock_read=%d sock_write=%d sock_timeout=%d errors=%d took_n=%d"
            .. " took_mean_us=%.1f took_max_us=%d gens=%s statuses=%s first_error=%s",
        summary.requests, summary.duration, secs > 0 and summary.requests / secs or 0,
        latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency.max, t.non200, t.bad200, t.damaged, e.connect, e.read, e.write, e.timeout,
        errors, t.took_n, t.took_n > 0 and t.took_sum / t.took_n or 0, t.took_max,
        keys_joined(all_gens, false), keys_joined(all_statuses, true), first or "-"))
end
