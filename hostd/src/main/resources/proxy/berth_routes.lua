-- Managed by berth-hostd. The route table: one record per site in the shared dict berth_routes,
--   s:SITE_ID -> "3|SITE_ID|STATE|RELEASE|IPV4:80|[IPV6]:80|HOST,HOST|FLAGS|CREDENTIALS|PATH_PREFIX|CIDR,CIDR|RULES"
--   h:HOST    -> SITE_ID
-- (a version 1 record, from an older hostd's snapshot, ends after FLAGS: an open site; a version 2
-- record after the protection's CIDRs: a site without serving rules).
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
local VERSION = "3"
-- A record without rules stays well below the first figure; the compiled rules of a release are
-- bounded by hostd (ServingRules.MAX_COMPILED_CHARS) by the second.
local MAX_RECORD = 8192 + 262144
local AF_INET, AF_INET6 = 2, 10
local MIN_ITERATIONS, MAX_ITERATIONS = 1000, 100000
local MAX_ALLOWED = 50
-- Failed checks a client address may make on one site per minute before it is answered 429
-- without a PBKDF2 computation: a guesser cannot make the workers spend their time on hashes.
local MAX_FAILURES = 30
-- Per worker: credentials verified lately (key: SHA-1 of the site's verifier and the header, so
-- a changed password misses), and routes parsed lately, one per site (a request parses nothing twice).
local verified = lrucache.new(4096)
local parsed = lrucache.new(4096)
local VERIFIED_SECONDS = 300
local address_buffer = ffi.new("unsigned char[16]")
local key_buffer = ffi.new("unsigned char[32]")

-- Response headers no rule may set (hostd refuses them first: ServingRules.FORBIDDEN_HEADERS).
local FORBIDDEN_HEADERS = {}
for _, name in ipairs({ "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
        "proxy-authenticate", "proxy-authorization", "content-length", "content-encoding", "content-range", "host", "date",
        "server", "status", "location", "set-cookie", "set-cookie2", "www-authenticate", "authorization",
        "strict-transport-security", "alt-svc", "x-sendfile" }) do
    FORBIDDEN_HEADERS[name] = true
end
-- Compressed copies hostd makes of a release's text files (content/Precompressor): the file name
-- extensions they exist for and the media type each stands for; set by load().
local variant_types = {}
local REDIRECT_STATUSES = { ["301"] = 301, ["302"] = 302, ["307"] = 307, ["308"] = 308 }
local REWRITE_STATUSES = { ["200"] = 200, ["404"] = 404 }

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

-- Whether a record's flags (a,b,c) hold this flag.
local function flagged(flags, flag)
    return string.find("," .. flags .. ",", "," .. flag .. ",", 1, true) ~= nil
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

-- A compiled value (percent-encoded by hostd) decoded, or nil when it holds anything but
-- A-Z a-z 0-9 . _ / - and %XX escapes.
local function unescape(text)
    if not ngx.re.find(text, [[^([A-Za-z0-9._/-]|%[0-9A-F]{2})*\z]], "jo") then
        return nil
    end
    return (string.gsub(text, "%%(%x%x)", function(pair) return string.char(tonumber(pair, 16)) end))
end

-- A compiled path pattern {segments = {{literal=...} or {name=...}}, splat = bool}, or nil:
-- "/" or "/SEGMENT/..." with ":name" placeholders and a final "*". Matched by plain comparison.
local function parse_pattern(text)
    if text == "/" then
        return { segments = {}, splat = false }
    end
    if not ngx.re.find(text, [[^(/(:[A-Za-z_][A-Za-z0-9_]{0,31}|[A-Za-z0-9._%-]+))*(/\*)?\z]], "jo") then
        return nil
    end
    local pattern = { segments = {}, splat = false }
    for part in string.gmatch(text, "/([^/]+)") do
        if part == "*" then
            pattern.splat = true
        elseif string.sub(part, 1, 1) == ":" then
            pattern.segments[#pattern.segments + 1] = { name = string.sub(part, 2) }
        else
            local literal = unescape(part)
            if not literal or literal == "." or literal == ".." or ngx.re.find(literal, [=[[\x00-\x1f\x7f/]]=], "jo") then
                return nil
            end
            pattern.segments[#pattern.segments + 1] = { literal = literal }
        end
    end
    return pattern
end

-- Whether a decoded target is a path of the site (not "//" nor "/\\") or, for a redirect, an
-- http(s) URL with a host name; printable ASCII without space, quote or backslash.
local function good_target(to, rewrite)
    if not ngx.re.find(to, [[^[\x21-\x7e]{1,1024}\z]], "jo") or ngx.re.find(to, [=[["'<>\\`{}|^\s]]=], "jo") then
        return false
    end
    if ngx.re.find(to, [[^/(?!/)]], "jo") then
        return true
    end
    return not rewrite and ngx.re.find(to, [[^https?://[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?(/|\?|#|\z)]], "jo") ~= nil
end

-- The serving rules (field 12): "r~STATUS~FORCE~FROM~TO" and "h~PATH~NAME~VALUE" entries separated
-- by ",", added to route, or the reason they are refused.
local function parse_rules(route, text)
    if text == "" then
        return nil
    end
    route.redirects, route.headers = {}, {}
    for _, entry in ipairs(split(text, ",")) do
        local f = split(entry, "~")
        if f[1] == "r" and #f == 5 then
            local redirect = REDIRECT_STATUSES[f[2]]
            local status = redirect or REWRITE_STATUSES[f[2]]
            local from, to = parse_pattern(f[4]), unescape(f[5])
            if not status or (f[3] ~= "0" and f[3] ~= "1") or not from or not to or not good_target(to, not redirect) then
                return "bad redirect rule"
            end
            route.redirects[#route.redirects + 1] = { status = status, redirect = redirect ~= nil, force = f[3] == "1",
                from = from, to = to }
        elseif f[1] == "h" and #f == 4 then
            local path, value = parse_pattern(f[2]), unescape(f[4])
            local lower = string.lower(f[3])
            if not path or not ngx.re.find(f[3], [[^[A-Za-z0-9][A-Za-z0-9-]{0,63}\z]], "jo") or FORBIDDEN_HEADERS[lower]
                    or string.sub(lower, 1, 8) == "x-accel-" or not value
                    or not ngx.re.find(value, [[^[\x20-\x7e]{1,1024}\z]], "jo") then
                return "bad header rule"
            end
            route.headers[#route.headers + 1] = { path = path, name = f[3], key = lower, value = value }
        else
            return "bad rule entry"
        end
    end
    if #route.redirects > 1000 or #route.headers > 1000 then
        return "too many rules"
    end
    return nil
end

-- The fields of a record, or nil and the reason it is refused.
local function parse(record)
    if type(record) ~= "string" or #record > MAX_RECORD or not ngx.re.find(record, [[^[0-9A-Za-z|.:\[\],_/~%*-]+\z]], "jo") then
        return nil, "record has characters outside the grammar"
    end
    local f = split(record, "|")
    if not ((f[1] == VERSION and #f == 12) or (f[1] == "2" and #f == 11) or (f[1] == "1" and #f == 8)) then
        return nil, "record is not version " .. VERSION .. " with 12 fields (or version 2 with 11, version 1 with 8)"
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
    if #f >= 11 then
        local problem = parse_protection(route, f[9], f[10], f[11])
        if problem then
            return nil, problem
        end
    end
    if #f == 12 then
        local problem = parse_rules(route, f[12])
        if problem then
            return nil, problem
        end
    end
    -- The serving switches among the flags (hostd sets them from the spec and the release's files).
    route.spa, route.clean_urls = flagged(route.flags, "spa"), flagged(route.flags, "clean_urls")
    route.not_found_page = flagged(route.flags, "not_found_page")
    route.served = route.redirects ~= nil or route.spa or route.clean_urls or route.not_found_page
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
-- types: the compressed copies' extensions and media types (hostd's
-- SiteServer.COMPRESSIBLE_EXTENSIONS), which the workers inherit.
function _M.load(path, types)
    variant_types = types or {}
    -- The node's lease, kept by hostd beside the snapshot: an nginx (re)started while hostd is
    -- gone still stops serving when it runs out.
    local lease_file = io.open((string.match(path, "^(.*/)") or "") .. "lease", "r")
    if lease_file then
        local expiry = tonumber(lease_file:read("*l") or "")
        lease_file:close()
        if expiry then
            routes:set("lease", expiry)
        end
    end
    local file = io.open(path, "r")
    if not file then
        return
    end
    local text = file:read("*a")
    file:close()
    local present = {}
    for record in string.gmatch(text, [["([123]|[^"]*)"]]) do
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

-- The route of a site id, parsed once per worker and record. Cached by site with the record it
-- came from (strings are interned: comparing them is comparing pointers), so a site's changed
-- record replaces its entry: the cache holds at most one route per site, not one per release ever
-- served.
local function lookup(site)
    local record = site and routes:get("s:" .. site)
    if not record then
        return nil
    end
    local cached = parsed:get(site)
    if cached and cached.record == record then
        return cached.route
    end
    local route = parse(record)
    if route then
        parsed:set(site, { record = record, route = route })
    end
    return route
end

-- The segments of a decoded, normalised path ("/a/b/" -> {"a", "b"}).
local function segments(path)
    local parts = {}
    for part in string.gmatch(path, "[^/]+") do
        parts[#parts + 1] = part
    end
    return parts
end

-- The placeholders a pattern binds in the path's segments (the splat: the rest, joined by "/"), or nil.
local function match(pattern, parts)
    local count = #pattern.segments
    if #parts < count or (#parts > count and not pattern.splat) then
        return nil
    end
    local captures = {}
    for index, segment in ipairs(pattern.segments) do
        if segment.literal then
            if parts[index] ~= segment.literal then
                return nil
            end
        else
            captures[segment.name] = parts[index]
        end
    end
    if pattern.splat then
        captures.splat = table.concat(parts, "/", count + 1)
    end
    return captures
end

-- The first redirect rule (forced ones or the others) matching the path, and its captures.
local function first_rule(route, parts, forced)
    for _, rule in ipairs(route.redirects or {}) do
        if rule.force == forced then
            local captures = match(rule.from, parts)
            if captures then
                return rule, captures
            end
        end
    end
    return nil
end

-- A captured (decoded) value as it may stand in a URL: every byte but A-Z a-z 0-9 . _ ~ / - escaped,
-- so no request byte (CR, LF, quote, space) reaches a Location header or a rewritten URI unescaped.
local function escape_value(value)
    return (string.gsub(value, "[^A-Za-z0-9._~/-]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- The rule's target with its placeholders filled in (hostd checked that each one is bound).
local function fill(to, captures)
    return (string.gsub(to, ":([A-Za-z_][A-Za-z0-9_]*)", function(name)
        local value = captures[name]
        return value and escape_value(value) or nil
    end))
end

-- Ends the request with a redirect; the query string goes along unless the target has its own.
local function redirect(location, status)
    local args = ngx.var.args
    if args and args ~= "" and not string.find(location, "?", 1, true) and not ngx.re.find(args, [=[[^\x21-\x7e]]=], "jo") then
        location = location .. "?" .. args
    end
    return ngx.redirect(location, status)
end

-- A rewrite's target as a path and query of the site (decoded path for the URI).
local function rewrite_target(target)
    local question = string.find(target, "?", 1, true)
    local path = question and string.sub(target, 1, question - 1) or target
    local hash = string.find(path, "#", 1, true)
    path = hash and string.sub(path, 1, hash - 1) or path
    return ngx.unescape_uri(path), question and string.sub(target, question + 1) or nil
end

-- Whether the method is one the fallbacks (clean URLs, SPA) answer.
local function reading()
    local method = ngx.req.get_method()
    return method == "GET" or method == "HEAD"
end

-- The files the rules came from are not served.
local HIDDEN = { ["/_redirects"] = true, ["/_headers"] = true }

-- Follows a matched rule: a redirect ends the request; a rewrite takes its query string and gives
-- the path to serve and the status it stands for ("404" or "").
local function follow(rule, captures)
    local target = fill(rule.to, captures)
    if rule.redirect then
        return redirect(target, rule.status)
    end
    local target_path, args = rewrite_target(target)
    if args then
        ngx.req.set_uri_args(args)
    end
    return target_path, rule.status == 404 and "404" or ""
end

-- Rewrite phase of a site with serving rules or switches: forced rules first (a redirect ends here,
-- a rewrite names the path to try), the clean-URL redirect of "/x.html", then @berth_try proxies
-- the path and walks the fallbacks on each 404 of the site's server.
local function serve(route)
    local path = ngx.var.uri
    ngx.var.berth_path = path
    ngx.var.berth_release = route.release
    ngx.var.berth_step = "0"
    local rule, captures = first_rule(route, segments(path), true)
    if rule then
        local target_path, status = follow(rule, captures)
        ngx.var.berth_target, ngx.var.berth_target_status = target_path, status
    elseif route.clean_urls and reading() and #path > 5 and string.sub(path, -5) == ".html" then
        local bare = string.sub(path, 1, -6)
        if bare == "/index" or string.sub(bare, -6) == "/index" then
            bare = string.sub(bare, 1, -6)
        end
        return redirect(escape_value(bare), 301)
    end
    ngx.var.berth_upstream = route.ipv4
    return ngx.exec("@berth_try")
end

-- Defined below, with the compressed copies' other helpers.
local accepted_encoding, variant_file

-- @berth_try's rewrite phase, once at first and again after each 404 of the site's server: the next
-- candidate of 1 the path (or the forced rewrite's target), 2 the first other rule matching it,
-- 3 PATH.html (clean URLs), 4 /index.html with 200 (SPA), 5 /404.html with 404; then a plain 404.
-- The first candidate (the path itself, or a forced rewrite's target) is asked for as its
-- compressed copy first when the client takes one and hostd made one ($berth_encoding "br" or
-- "gzip" meanwhile); a 404 of the copy comes back here and the same candidate is asked for as it is
-- ("tried"). Later candidates are served as they are (nginx compresses them): each try is an
-- internal redirect, and nginx allows ten.
function _M.try()
    local route = lookup(ngx.var.berth_site)
    if not route then
        return ngx.exec("@berth_missing")
    end
    local release = ngx.var.berth_release
    local path = ngx.var.berth_path
    local step = tonumber(ngx.var.berth_step) or 0
    local encoding = ngx.var.berth_encoding
    if encoding == "br" or encoding == "gzip" then
        ngx.var.berth_encoding = "tried"
        step = step - 1
    end
    local function candidate(target, status)
        ngx.var.berth_step = tostring(step)
        ngx.var.berth_status = status or ""
        if step == 1 and ngx.var.berth_encoding == "" and reading() and not ngx.var.http_range then
            local accepted = accepted_encoding()
            local file, media = variant_file(target)
            if accepted and media then
                ngx.var.berth_encoding = accepted
                return ngx.req.set_uri("/variants/" .. release .. file .. (accepted == "br" and ".br" or ".gz"))
            end
        end
        ngx.req.set_uri("/releases/" .. release .. target)
    end
    while step < 5 do
        step = step + 1
        if step == 1 then
            if ngx.var.berth_target ~= "" then
                return candidate(ngx.var.berth_target, ngx.var.berth_target_status)
            end
            if not HIDDEN[path] then
                return candidate(path)
            end
        elseif step == 2 and ngx.var.berth_target == "" then
            local rule, captures = first_rule(route, segments(path), false)
            if rule then
                local target_path, status = follow(rule, captures)
                return candidate(target_path, status)
            end
        elseif step == 3 and route.clean_urls and reading() and string.sub(path, -1) ~= "/"
                and not string.find(string.match(path, "[^/]*$"), ".", 1, true) then
            return candidate(path .. ".html")
        elseif step == 4 and route.spa and reading() then
            return candidate("/index.html")
        elseif step == 5 and route.not_found_page then
            return candidate("/404.html", "404")
        end
    end
    ngx.var.berth_status = ""
    return ngx.exec("@berth_missing")
end

-- Default caching of a site's answers: a fingerprinted asset (its name holds a content hash, so a
-- new version gets a new name) is cached for a year without revalidation; anything else, HTML
-- first, is revalidated on each use (the site's server answers 304 to a matching ETag). A site's
-- _headers may set its own Cache-Control, which replaces this one.
local IMMUTABLE = "public, max-age=31536000, immutable"
local REVALIDATE = "public, max-age=0, must-revalidate"
local CACHEABLE = { [200] = true, [203] = true, [206] = true, [304] = true }

-- Whether one part of a file name is a build tool's content hash: at least 8 hex digits mixing
-- digits and letters (webpack, Parcel, Hugo, Jekyll assets), or, in /assets/, Vite's 8 characters
-- of base64url mixing a digit, an upper and a lower case letter.
local function hash_like(part, in_assets)
    if #part >= 8 and not string.find(part, "[^0-9a-f]") then
        return string.find(part, "[0-9]") ~= nil and string.find(part, "[a-f]") ~= nil
    end
    return in_assets and #part == 8 and not string.find(part, "[^%w_]") and string.find(part, "%d") ~= nil
        and string.find(part, "%u") ~= nil and string.find(part, "%l") ~= nil
end

-- Whether a request path names a fingerprinted file: a part of its last segment's name, between
-- "." or "-" separators and before its extension, is a content hash ("app.3f2a9c1b.js",
-- "main.min.<sha256>.css", "/assets/index-Dk3aZ9qB.js").
local function fingerprinted(path)
    local name = string.match(path, "[^/]*$")
    local parts = {}
    for part in string.gmatch(name, "[^%.%-]+") do
        parts[#parts + 1] = part
    end
    local in_assets = string.find(path, "/assets/", 1, true) ~= nil
    for index = 2, #parts - 1 do
        if hash_like(parts[index], in_assets) then
            return true
        end
    end
    return false
end

-- Sets the default Cache-Control of an answer of the site's server for the request's own path,
-- unless the server set one.
local function cache_default(path)
    if CACHEABLE[ngx.status] and not ngx.header["Cache-Control"] then
        ngx.header["Cache-Control"] = fingerprinted(path) and IMMUTABLE or REVALIDATE
    end
end

-- Header filter of a site without serving rules.
function _M.cache()
    cache_default(ngx.var.uri)
end

-- The encoding of a compressed copy the client accepts, Brotli before gzip; nil for none. A
-- coding listed with q=0 is refused.
function accepted_encoding()
    local header = ngx.var.http_accept_encoding
    if not header then
        return nil
    end
    local br, gzip = false, false
    for item in string.gmatch(string.lower(header), "[^,]+") do
        local name = string.match(item, "^%s*([%w%-]+)")
        local quality = string.match(item, ";%s*q%s*=%s*([%d%.]+)")
        if name and not (quality and tonumber(quality) == 0) then
            br = br or name == "br"
            gzip = gzip or name == "gzip"
        end
    end
    return br and "br" or (gzip and "gzip" or nil)
end

-- The file a request path names ("/docs/" -> "/docs/index.html", the site server's index) and
-- the media type of its compressed copies, or nil when none is made for its extension.
function variant_file(path)
    local file = string.sub(path, -1) == "/" and path .. "index.html" or path
    local extension = string.match(file, "%.([%w]+)$")
    return file, extension and variant_types[extension]
end

-- @berth_variant's rewrite phase: the compressed copy of the requested file.
function _M.variant()
    local file = variant_file(ngx.var.berth_path)
    ngx.req.set_uri("/variants/" .. ngx.var.berth_release .. file .. (ngx.var.berth_encoding == "br" and ".br" or ".gz"))
end

-- @berth_identity's rewrite phase (no copy of the file: not made, not yet made, or no file):
-- the release's file, which nginx compresses itself if it is text.
function _M.identity()
    ngx.var.berth_encoding = ""
    ngx.req.set_uri("/releases/" .. ngx.var.berth_release .. ngx.var.berth_path)
end

-- Header filter of @berth_variant: the copy stands for the file, in its media type and encoding.
function _M.encoded()
    local status = ngx.status
    if status == 200 or status == 304 then
        local _, media = variant_file(ngx.var.berth_path)
        if status == 200 then
            ngx.header["Content-Type"] = media
        end
        ngx.header["Content-Encoding"] = ngx.var.berth_encoding == "br" and "br" or "gzip"
        ngx.header["Vary"] = "Accept-Encoding"
    end
    cache_default(ngx.var.berth_path)
end

-- Header filter of @berth_try: the status a candidate stands for (404 for the custom 404 page, only
-- over the server's 200), the default Cache-Control, and the _headers rules matching the request's
-- own path, in file order; a header named by several matching blocks gets their values joined by ", ".
function _M.respond()
    local encoding = ngx.var.berth_encoding
    if (encoding == "br" or encoding == "gzip") and (ngx.status == 200 or ngx.status == 304) then
        -- A compressed copy stands for the file ($uri is /variants/RELEASE/FILE.br or .gz).
        local _, media = variant_file(string.sub(ngx.var.uri, 1, -4))
        if ngx.status == 200 then
            ngx.header["Content-Type"] = media
        end
        ngx.header["Content-Encoding"] = encoding
        ngx.header["Vary"] = "Accept-Encoding"
    end
    local status = ngx.var.berth_status
    if status ~= "" and ngx.status == 200 then
        ngx.status = tonumber(status)
    end
    cache_default(ngx.var.berth_path)
    local route = lookup(ngx.var.berth_site)
    if not route or not route.headers or #route.headers == 0 then
        return
    end
    local parts = segments(ngx.var.berth_path)
    local values, order = {}, {}
    for _, header in ipairs(route.headers) do
        if match(header.path, parts) then
            local current = values[header.key]
            if current then
                current.value = current.value .. ", " .. header.value
            else
                values[header.key] = { name = header.name, value = header.value }
                order[#order + 1] = header.key
            end
        end
    end
    for _, key in ipairs(order) do
        ngx.header[values[key].name] = values[key].value
    end
end

-- Rewrite phase of every site request: 404 for an unknown host, 451 for a site of a suspended
-- tenant (running or not), then the site's protection (403, 401, 429), 503 for a stopped site,
-- else the site's address and release for the balancer and the URI (through its serving rules
-- and switches when it has some).
function _M.route()
    local route = lookup(routes:get("h:" .. ngx.var.host))
    if not route then
        return ngx.exit(404)
    end
    ngx.var.berth_site = route.site
    -- A node whose lease ran out (no API replica reached it, or its hostd is gone) serves
    -- nothing: its sites may be served by another node by now.
    local lease = routes:get("lease")
    if lease and ngx.now() >= lease then
        return ngx.exit(503)
    end
    if flagged(route.flags, "suspended") then
        return ngx.exit(451)
    end
    if route.credentials or route.allowed then
        guard(route) -- ngx.exit there ends the request
    end
    if route.state ~= "serving" then
        return ngx.exit(503)
    end
    if route.served then
        return serve(route)
    end
    ngx.var.berth_upstream = route.ipv4
    -- A text file to a client that takes a compression (a whole file: no range): its compressed
    -- copy when hostd has made one.
    if reading() and not ngx.var.http_range then
        local encoding = accepted_encoding()
        if encoding and select(2, variant_file(ngx.var.uri)) then
            ngx.var.berth_path = ngx.var.uri
            ngx.var.berth_release = route.release
            ngx.var.berth_encoding = encoding
            return ngx.exec("@berth_variant")
        end
    end
    -- The release's own immutable directory, not the `current` symlink: a deploy switches the
    -- record and every request sees one release from start to end.
    ngx.req.set_uri("/releases/" .. route.release .. ngx.var.uri)
end

-- The site id of the request's Host, or "" (no site holds it): for the access log of a
-- certificate's HTTP redirect server, which routes nothing.
function _M.site()
    return routes:get("h:" .. ngx.var.host) or ""
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
    if ngx.var.uri == "/lease" then
        -- The node's lease (hostd renews it while the API reaches the node): PUT with the epoch
        -- second it runs out, DELETE for none (a single node). Its own key, never a record's.
        if method == "PUT" then
            ngx.req.read_body()
            local body = ngx.req.get_body_data()
            local expiry = body and string.match(body, "^(%d+)$")
            if not expiry or #expiry > 12 then
                ngx.status = 400
                ngx.say("a lease is the epoch second it runs out")
                return ngx.exit(400)
            end
            routes:set("lease", tonumber(expiry))
        elseif method == "DELETE" then
            routes:delete("lease")
        else
            return ngx.exit(405)
        end
        ngx.status = 204
        return ngx.exit(204)
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
