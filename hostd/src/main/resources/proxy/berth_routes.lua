-- Managed by berth-hostd. The route table: one record per site in the shared dict berth_routes,
--   s:SITE_ID -> "2|SITE_ID|STATE|RELEASE|IPV4:80|[IPV6]:80|HOST,HOST|FLAGS|CREDENTIALS|PATH_PREFIX|CIDR,CIDR"
--   h:HOST    -> SITE_ID
-- (a version 1 record, from an older hostd's snapshot, ends after FLAGS: an open site).
-- hostd validates every field before it sends a record (dev.berth.hostd.proxy.RouteRecord); this
-- module checks the shape again and refuses anything else, so a bad record is an error, not config.
local _M = {}

local ffi = require("ffi")
local bit = require("bit")
local lrucache = require("resty.lrucache")

ffi.cdef[[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
int PKCS5_PBKDF2_HMAC(const char *pass, int passlen, const unsigned char *salt, int saltlen, int iter,
                      const EVP_MD *digest, int keylen, unsigned char *out);
int inet_pton(int af, const char *src, void *dst);
]]

local routes = ngx.shared.berth_routes
-- Failed password checks per site and client address (a minute's window), shared by the workers.
local failures = ngx.shared.berth_auth_failures
local VERSION = "2"
local AF_INET, AF_INET6 = 2, 10
local MIN_ITERATIONS, MAX_ITERATIONS = 1000, 100000
local MAX_ALLOWED = 50
-- Failed checks a client address may make on one site per minute before it is answered 429
-- without a PBKDF2 computation: a guesser cannot make the workers spend their time on hashes.
local MAX_FAILURES = 30
-- Per worker: credentials verified lately (key: SHA-1 of the site's verifier and the header, so
-- a changed password misses), and records parsed lately (a request parses nothing twice).
local verified = lrucache.new(4096)
local parsed = lrucache.new(4096)
local VERIFIED_SECONDS = 300
local address_buffer = ffi.new("unsigned char[16]")
local key_buffer = ffi.new("unsigned char[32]")

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

local function unhex(text)
    return (string.gsub(text, "..", function(pair) return string.char(tonumber(pair, 16)) end))
end

-- A CIDR block {family, bytes, length}, or nil: the address goes through inet_pton, the length is
-- bounded by the family, and the host bits must be zero (as hostd writes them).
local function parse_block(text)
    local family, size, limit
    local m = ngx.re.match(text, [[^([0-9.]{7,15})/([0-9]{1,2})\z]], "jo")
    if m then
        family, size, limit = AF_INET, 4, 32
    else
        m = ngx.re.match(text, [[^([0-9a-f:]{2,39})/([0-9]{1,3})\z]], "jo")
        if not m or not string.find(m[1], ":", 1, true) then
            return nil
        end
        family, size, limit = AF_INET6, 16, 128
    end
    local length = tonumber(m[2])
    if length > limit or ffi.C.inet_pton(family, m[1], address_buffer) ~= 1 then
        return nil
    end
    local bytes = ffi.string(address_buffer, size)
    for index = 1, size do
        local kept = math.min(8, math.max(0, length - (index - 1) * 8))
        local mask = bit.band(bit.lshift(0xff, 8 - kept), 0xff)
        if bit.band(string.byte(bytes, index), bit.bnot(mask), 0xff) ~= 0 then
            return nil
        end
    end
    return { family = family, bytes = bytes, length = length }
end

-- The protection fields (9 to 11), added to route, or the reason they are refused.
local function parse_protection(route, credentials, prefix, allowed)
    if credentials ~= "" then
        local m = ngx.re.match(credentials, [[^pbkdf2-sha256:([1-9][0-9]{3,5}):([0-9a-f]{32}):([0-9a-f]{64})\z]], "jo")
        local iterations = m and tonumber(m[1])
        if not m or iterations < MIN_ITERATIONS or iterations > MAX_ITERATIONS then
            return "bad credentials"
        end
        route.credentials, route.iterations, route.salt, route.key = credentials, iterations, unhex(m[2]), unhex(m[3])
    end
    if prefix ~= "" then
        if not ngx.re.find(prefix, [[^/[A-Za-z0-9._~/-]{0,199}\z]], "jo") or string.find(prefix, "//", 1, true)
                or ngx.re.find(prefix, [[(^|/)\.\.?(/|\z)]], "jo") or (#prefix > 1 and string.sub(prefix, -1) == "/") then
            return "bad path prefix"
        end
        route.prefix = prefix
    end
    if allowed ~= "" then
        route.allowed = {}
        for _, text in ipairs(split(allowed, ",")) do
            local block = parse_block(text)
            if not block or #route.allowed >= MAX_ALLOWED then
                return "bad allowed addresses"
            end
            route.allowed[#route.allowed + 1] = block
        end
    end
    if route.prefix and not route.credentials and not route.allowed then
        return "a path prefix without protection"
    end
    return nil
end

-- The fields of a record, or nil and the reason it is refused.
local function parse(record)
    if type(record) ~= "string" or #record > 8192 or not ngx.re.find(record, [[^[0-9A-Za-z|.:\[\],_/~-]+\z]], "jo") then
        return nil, "record has characters outside the grammar"
    end
    local f = split(record, "|")
    if not ((f[1] == VERSION and #f == 11) or (f[1] == "1" and #f == 8)) then
        return nil, "record is not version " .. VERSION .. " with 11 fields (or version 1 with 8)"
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
    local route = { site = f[2], state = f[3], release = f[4], ipv4 = f[5], ipv6 = f[6], flags = f[8], hosts = hosts }
    if #f == 11 then
        local problem = parse_protection(route, f[9], f[10], f[11])
        if problem then
            return nil, problem
        end
    end
    return route
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
    for record in string.gmatch(text, [["([12]|[^"]*)"]]) do
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

-- Whether the protection covers the (decoded, normalised) URI: the prefix itself and below it.
local function covers(prefix, uri)
    if not prefix or prefix == "/" then
        return true
    end
    if string.sub(uri, 1, #prefix) ~= prefix then
        return false
    end
    local after = string.sub(uri, #prefix + 1, #prefix + 1)
    return after == "" or after == "/"
end

-- Whether the connection's peer (the address nginx sees; no forwarded header is trusted) is in one of the blocks.
local function address_allowed(blocks)
    local address = ngx.var.remote_addr
    local family, size = AF_INET, 4
    if string.find(address, ":", 1, true) then
        family, size = AF_INET6, 16
    end
    if ffi.C.inet_pton(family, address, address_buffer) ~= 1 then
        return false
    end
    local client = ffi.string(address_buffer, size)
    for _, block in ipairs(blocks) do
        if block.family == family then
            local whole = math.floor(block.length / 8)
            local rest = block.length % 8
            if string.sub(client, 1, whole) == string.sub(block.bytes, 1, whole) then
                if rest == 0 then
                    return true
                end
                local mask = bit.band(bit.lshift(0xff, 8 - rest), 0xff)
                if bit.band(string.byte(client, whole + 1), mask) == string.byte(block.bytes, whole + 1) then
                    return true
                end
            end
        end
    end
    return false
end

-- "ok", "missing" (no or malformed credentials, or wrong ones) or "limited" (too many failures).
local function check_credentials(route)
    local header = ngx.var.http_authorization
    local m = header and #header <= 2048 and ngx.re.match(header, [[^\s*Basic\s+([A-Za-z0-9+/]{1,1400}={0,2})\s*\z]], "joi")
    if not m then
        return "missing"
    end
    local cached = ngx.sha1_bin(route.credentials .. "\n" .. m[1])
    if verified:get(cached) then
        return "ok"
    end
    local counter = "f:" .. route.site .. ":" .. ngx.var.remote_addr
    if (failures:get(counter) or 0) >= MAX_FAILURES then
        return "limited"
    end
    local given = ngx.decode_base64(m[1])
    if given and ffi.C.PKCS5_PBKDF2_HMAC(given, #given, route.salt, #route.salt, route.iterations, ffi.C.EVP_sha256(),
            32, key_buffer) == 1 and ffi.string(key_buffer, 32) == route.key then
        verified:set(cached, true, VERIFIED_SECONDS)
        return "ok"
    end
    failures:incr(counter, 1, 0, 60)
    return "missing"
end

-- The protection of a site: 403 for an address outside the allow-list, 401 (asking for basic
-- credentials) without the right ones, 429 after too many wrong ones; nothing on paths it does not cover.
local function guard(route)
    if not covers(route.prefix, ngx.var.uri) then
        return
    end
    if route.allowed and not address_allowed(route.allowed) then
        return ngx.exit(403)
    end
    if route.credentials then
        local outcome = check_credentials(route)
        if outcome == "limited" then
            return ngx.exit(429)
        end
        if outcome ~= "ok" then
            -- The host matched a record, so it is of the hostname grammar: no quote or control byte.
            ngx.header["WWW-Authenticate"] = 'Basic realm="' .. ngx.var.host .. '", charset="UTF-8"'
            return ngx.exit(401)
        end
        -- The site's container never sees the password.
        ngx.req.clear_header("Authorization")
    end
end

-- Rewrite phase of every site request: 404 for an unknown host, 451 for a site of a suspended
-- tenant (running or not), then the site's protection (403, 401, 429), 503 for a stopped site,
-- else the site's address and release for the balancer and the URI.
function _M.route()
    local site = routes:get("h:" .. ngx.var.host)
    local record = site and routes:get("s:" .. site)
    local route = record and parsed:get(record)
    if record and not route then
        route = parse(record)
        if route then
            parsed:set(record, route)
        end
    end
    if not route then
        return ngx.exit(404)
    end
    ngx.var.berth_site = route.site
    if flagged(route.flags, "suspended") then
        return ngx.exit(451)
    end
    if route.credentials or route.allowed then
        guard(route) -- ngx.exit there ends the request
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
