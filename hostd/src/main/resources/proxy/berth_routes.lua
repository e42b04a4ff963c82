-- Managed by berth-hostd. The route table: one record per site in the shared dict berth_routes,
--   s:SITE_ID -> "1|SITE_ID|STATE|RELEASE|IPV4:80|[IPV6]:80|HOST,HOST|FLAGS"
--   h:HOST    -> SITE_ID
-- hostd validates every field before it sends a record (dev.berth.hostd.proxy.RouteRecord); this
-- module checks the shape again and refuses anything else, so a bad record is an error, not config.
local _M = {}

local routes = ngx.shared.berth_routes
local VERSION = "1"

local function split(text, separator)
    local fields = {}
    local from = 1
    while true do
        local at = string.find(text, separator, from, true)
        if not at then
            fields[#fields + 1] = string.sub(text, from)
            return fields
        end
        fields[#fields + 1] = string.sub(text, from, at - 1)
        from = at + 1
    end
end

-- The fields of a record, or nil and the reason it is refused.
local function parse(record)
    if type(record) ~= "string" or #record > 4096 or not ngx.re.find(record, [[^[0-9A-Za-z|.:\[\],_-]+\z]], "jo") then
        return nil, "record has characters outside the grammar"
    end
    local f = split(record, "|")
    if #f ~= 8 or f[1] ~= VERSION then
        return nil, "record is not version " .. VERSION .. " with 8 fields"
    end
    if not ngx.re.find(f[2], [[^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z]], "jo") then
        return nil, "bad site id"
    end
    if f[3] ~= "serving" and f[3] ~= "stopped" then
        return nil, "bad state"
    end
    if not ngx.re.find(f[4], [[^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}\z]], "jo") then
        return nil, "bad release"
    end
    if not ngx.re.find(f[5], [[^[0-9]{1,3}(\.[0-9]{1,3}){3}:[0-9]{1,5}\z]], "jo") then
        return nil, "bad ipv4 address"
    end
    if f[6] ~= "" and not ngx.re.find(f[6], [[^\[[0-9a-f:]+\]:[0-9]{1,5}\z]], "jo") then
        return nil, "bad ipv6 address"
    end
    if not ngx.re.find(f[8], [[^[a-z0-9_,]{0,200}\z]], "jo") then
        return nil, "bad flags"
    end
    local hosts = f[7] == "" and {} or split(f[7], ",")
    for _, host in ipairs(hosts) do
        if not ngx.re.find(host, [[^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\z]], "jo") then
            return nil, "bad hostname"
        end
    end
    return { site = f[2], state = f[3], release = f[4], ipv4 = f[5], ipv6 = f[6], flags = f[8], hosts = hosts }
end

-- Puts a record in the table (its hostnames pointing to it, the ones it no longer has removed).
function _M.put(record)
    local route, problem = parse(record)
    if not route then
        return nil, problem
    end
    for _, host in ipairs(route.hosts) do
        local owner = routes:get("h:" .. host)
        if owner and owner ~= route.site then
            return nil, "hostname " .. host .. " belongs to another site"
        end
    end
    local previous = routes:get("s:" .. route.site)
    local ok, err = routes:safe_set("s:" .. route.site, record)
    if not ok then
        return nil, "table full: " .. tostring(err)
    end
    local kept = {}
    for _, host in ipairs(route.hosts) do
        kept[host] = true
        routes:safe_set("h:" .. host, route.site)
    end
    local old = previous and parse(previous)
    if old then
        for _, host in ipairs(old.hosts) do
            if not kept[host] and routes:get("h:" .. host) == route.site then
                routes:delete("h:" .. host)
            end
        end
    end
    return true
end

function _M.delete(site)
    local previous = routes:get("s:" .. site)
    if not previous then
        return true
    end
    local old = parse(previous)
    if old then
        for _, host in ipairs(old.hosts) do
            if routes:get("h:" .. host) == site then
                routes:delete("h:" .. host)
            end
        end
    end
    routes:delete("s:" .. site)
    return true
end

-- At (re)load, in the master: the snapshot hostd keeps, {"version":1,"records":["1|...",...]}
-- (records never hold '"'). Records are put over the table as it is (the shared dict outlives a
-- reload, and the old workers go on serving from it meanwhile); sites not in the snapshot go.
function _M.load(path)
    local file = io.open(path, "r")
    if not file then
        return
    end
    local text = file:read("*a")
    file:close()
    local present = {}
    for record in string.gmatch(text, [["(1|[^"]*)"]]) do
        local ok, problem = _M.put(record)
        if ok then
            present[parse(record).site] = true
        else
            ngx.log(ngx.ERR, "berth route snapshot: ", problem)
        end
    end
    for _, key in ipairs(routes:get_keys(0)) do
        if string.sub(key, 1, 2) == "s:" and not present[string.sub(key, 3)] then
            _M.delete(string.sub(key, 3))
        end
    end
end

-- Whether a record's flags (a,b,c) hold this flag.
local function flagged(flags, flag)
    return string.find("," .. flags .. ",", "," .. flag .. ",", 1, true) ~= nil
end

-- Rewrite phase of every site request: 404 for an unknown host, 451 for a site of a suspended
-- tenant (running or not), 503 for a stopped site, else the site's address and release for the
-- balancer and the URI.
function _M.route()
    local site = routes:get("h:" .. ngx.var.host)
    local record = site and routes:get("s:" .. site)
    local route = record and parse(record)
    if not route then
        return ngx.exit(404)
    end
    ngx.var.berth_site = route.site
    if flagged(route.flags, "suspended") then
        return ngx.exit(451)
    end
    if route.state ~= "serving" then
        return ngx.exit(503)
    end
    ngx.var.berth_upstream = route.ipv4
    -- The release's own immutable directory, not the `current` symlink: a deploy switches the
    -- record and every request sees one release from start to end.
    ngx.req.set_uri("/releases/" .. route.release .. ngx.var.uri)
end

function _M.balance()
    local address = ngx.var.berth_upstream
    local colon = string.find(address, ":", 1, true)
    local ok, err = require("ngx.balancer").set_current_peer(string.sub(address, 1, colon - 1),
        tonumber(string.sub(address, colon + 1)))
    if not ok then
        ngx.log(ngx.ERR, "berth balancer: ", err)
        return ngx.exit(502)
    end
end

-- The admin endpoint (Unix socket, hostd only): PUT /routes/SITE with the record as body,
-- DELETE /routes/SITE, GET /routes (every record, one a line).
function _M.admin()
    local method = ngx.req.get_method()
    local site = string.match(ngx.var.uri, "^/routes/([0-9a-f-]+)$")
    if method == "GET" and ngx.var.uri == "/routes" then
        local keys = routes:get_keys(0)
        for _, key in ipairs(keys) do
            if string.sub(key, 1, 2) == "s:" then
                ngx.say(routes:get(key))
            end
        end
        return
    end
    if not site then
        return ngx.exit(404)
    end
    local ok, problem
    if method == "PUT" then
        ngx.req.read_body()
        local record = ngx.req.get_body_data()
        local route = record and parse(record)
        if route and route.site ~= site then
            ok, problem = nil, "record names another site"
        else
            ok, problem = _M.put(record)
        end
    elseif method == "DELETE" then
        ok, problem = _M.delete(site)
    else
        return ngx.exit(405)
    end
    if not ok then
        ngx.status = 400
        ngx.say(problem)
        return ngx.exit(400)
    end
    ngx.status = 204
    return ngx.exit(204)
end

return _M
