package dev.berth.hostd.proxy;

import dev.berth.hostd.content.ReleaseStore;
import dev.berth.hostd.site.ProtectionRules;
import dev.berth.hostd.site.SiteValidator;
import dev.berth.hostprotocol.SiteProtection;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.rules.ServingRules;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One site's entry in the proxy's route table, as nginx reads it at request time:
 * {@code 3|SITE_ID|STATE|RELEASE|IPV4:80|[IPV6]:80|HOST,HOST|FLAGS|CREDENTIALS|PATH_PREFIX|CIDR,CIDR|RULES}.
 * The leading version lets the format grow: version 1 (a snapshot of an older hostd) ends after
 * FLAGS and reads as an open site, version 2 after the CIDRs (no serving rules). Fields 9 to 11
 * are the site's protection (empty when open; see {@link dev.berth.hostprotocol.SiteProtection} and
 * {@link ProtectionRules}); the last is the served release's compiled {@code _redirects} and
 * {@code _headers} ({@link ServingRules#compile()}, empty without them). The serving switches are
 * flags: {@value #SPA}, {@value #CLEAN_URLS} and {@value #NOT_FOUND_PAGE} (the release has a {@code 404.html}).
 * Every field is checked here before a record leaves hostd, and the table's Lua module
 * ({@code berth_routes.lua}) checks the same grammar again: no byte of a tenant's input can reach
 * nginx's configuration, only these values.
 */
public record RouteRecord(UUID siteId, State state, String release, String ipv4, String ipv6, List<String> hostnames,
                          String flags, String credentials, String pathPrefix, List<String> allowedAddresses, String rules) {
    public static final String VERSION = "3";
    private static final String VERSION_1 = "1";
    private static final String VERSION_2 = "2";
    /** The flag of a site whose paths without a file or rule answer its {@code /index.html} (200). */
    public static final String SPA = "spa";
    /** The flag of a site whose {@code /x} serves {@code x.html} and whose {@code /x.html} redirects to {@code /x}. */
    public static final String CLEAN_URLS = "clean_urls";
    /** The flag of a release holding {@code /404.html}: answered (404) for paths without a file or rule. */
    public static final String NOT_FOUND_PAGE = "not_found_page";
    /** The port the site server listens on inside every container. */
    public static final int SITE_PORT = 80;
    private static final Pattern RELEASE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:]{2,39}");
    private static final Pattern FLAGS = Pattern.compile("[a-z0-9_,]{0,200}");
    private static final int MAX_HOSTNAMES = 20;
    /** The flag of a site whose tenant is suspended: the proxy answers 451 with the "suspended" page, whatever the state. */
    public static final String SUSPENDED = "suspended";

    /** What the proxy answers for the site's hostnames. */
    public enum State {
        /** Proxied to the site's container. */
        SERVING,
        /** The 503 page (a stopped site, or one whose container is not running yet). */
        STOPPED;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public RouteRecord {
        hostnames = List.copyOf(hostnames);
        ipv6 = ipv6 == null ? null : ipv6.toLowerCase(Locale.ROOT);
        allowedAddresses = allowedAddresses == null ? List.of() : List.copyOf(allowedAddresses);
        rules = rules == null ? "" : rules;
    }

    /** The record of an open site without serving rules. */
    public RouteRecord(UUID siteId, State state, String release, String ipv4, String ipv6, List<String> hostnames, String flags) {
        this(siteId, state, release, ipv4, ipv6, hostnames, flags, null, null, List.of(), "");
    }

    /** The record of a site without serving rules. */
    public RouteRecord(UUID siteId, State state, String release, String ipv4, String ipv6, List<String> hostnames, String flags,
                       String credentials, String pathPrefix, List<String> allowedAddresses) {
        this(siteId, state, release, ipv4, ipv6, hostnames, flags, credentials, pathPrefix, allowedAddresses, "");
    }

    /**
     * The record that routes {@code spec}'s hostnames to its container ({@code serving}) or to the 503
     * page; flagged {@link #SUSPENDED} (the 451 page) when the spec's tenant is suspended; carrying
     * the spec's protection.
     */
    public static RouteRecord of(SiteSpec spec, boolean serving) {
        return of(spec, serving, ReleaseRules.Served.NONE);
    }

    /** As above, with the served release's rules and 404 page and the spec's serving switches. */
    public static RouteRecord of(SiteSpec spec, boolean serving, ReleaseRules.Served served) {
        SiteProtection protection = spec.protection();
        List<String> flags = new ArrayList<>();
        if (spec.suspended()) {
            flags.add(SUSPENDED);
        }
        if (spec.servingOrPlain().spa()) {
            flags.add(SPA);
        }
        if (spec.servingOrPlain().cleanUrls()) {
            flags.add(CLEAN_URLS);
        }
        if (served.notFoundPage()) {
            flags.add(NOT_FOUND_PAGE);
        }
        return new RouteRecord(spec.siteId(), serving ? State.SERVING : State.STOPPED, ReleaseStore.servedRelease(spec),
                spec.ipv4(), spec.ipv6(), spec.hostnames(), String.join(",", flags),
                protection == null ? null : protection.credentials(), protection == null ? null : protection.pathPrefix(),
                protection == null ? List.of() : protection.allowedAddresses(), served.rules());
    }

    /** Whether the proxy asks for credentials or checks the client's address on some path of the site. */
    public boolean isProtected() {
        return credentials != null || !allowedAddresses.isEmpty();
    }

    /** Whether the proxy answers this site with the "suspended" page. */
    public boolean suspended() {
        return List.of(flags.split(",")).contains(SUSPENDED);
    }

    /**
     * Throws unless every field fits the grammar and both addresses are ones {@code upstreamAllowed}
     * accepts (the host's own site bridges).
     */
    public RouteRecord validate(Predicate<InetAddress> upstreamAllowed) {
        List<String> problems = new ArrayList<>();
        if (siteId == null || state == null) {
            problems.add("siteId and state are required");
        }
        if (release == null || !RELEASE.matcher(release).matches()) {
            problems.add("release must be 1 to 64 characters of A-Z a-z 0-9 . _ - not starting with . or -");
        }
        if (ipv4 == null || !(ipv4Literal(ipv4) instanceof Inet4Address v4) || !upstreamAllowed.test(v4)) {
            problems.add("ipv4 must be a dotted-quad address on the host's site bridges");
        }
        if (ipv6 != null && (!(ipv6Literal(ipv6) instanceof Inet6Address v6) || !upstreamAllowed.test(v6))) {
            problems.add("ipv6 must be an address on the host's site bridges");
        }
        if (hostnames.isEmpty() || hostnames.size() > MAX_HOSTNAMES) {
            problems.add("a route needs 1 to " + MAX_HOSTNAMES + " hostnames");
        }
        for (String hostname : hostnames) {
            if (!SiteValidator.isHostname(hostname)) {
                problems.add("hostnames must be lower-case DNS names");
                break;
            }
        }
        if (flags == null || !FLAGS.matcher(flags).matches()) {
            problems.add("flags must be a-z 0-9 _ , only");
        }
        if (!ServingRules.isCompiledForm(rules)) {
            problems.add("rules must be compiled serving rules of at most " + ServingRules.MAX_COMPILED_CHARS + " characters");
        }
        if (isProtected() || pathPrefix != null) {
            problems.addAll(ProtectionRules.problems(new SiteProtection(credentials, pathPrefix, allowedAddresses)));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid route for site " + siteId + ": " + String.join("; ", problems));
        }
        return this;
    }

    /** The record's text; call on a {@link #validate validated} record. */
    public String encode() {
        return String.join("|", VERSION, siteId.toString(), state.text(), release, ipv4 + ":" + SITE_PORT,
                ipv6 == null ? "" : "[" + ipv6 + "]:" + SITE_PORT, String.join(",", hostnames), flags,
                credentials == null ? "" : credentials, pathPrefix == null ? "" : pathPrefix, String.join(",", allowedAddresses), rules);
    }

    /** Parses a record this class encoded (the snapshot; version 1 of an older hostd too), or throws. */
    public static RouteRecord decode(String text) {
        String[] fields = text.split("\\|", -1);
        boolean withRules = fields.length == 12 && VERSION.equals(fields[0]);
        boolean current = withRules || (fields.length == 11 && VERSION_2.equals(fields[0]));
        if (!current && !(fields.length == 8 && VERSION_1.equals(fields[0]))) {
            throw new IllegalArgumentException("not a version " + VERSION + " (or " + VERSION_2 + ", " + VERSION_1 + ") route record");
        }
        String ipv4 = stripPort(fields[4]);
        String ipv6 = fields[5].isEmpty() ? null : stripPort(fields[5]).replace("[", "").replace("]", "");
        return new RouteRecord(UUID.fromString(fields[1]), State.valueOf(fields[2].toUpperCase(Locale.ROOT)), fields[3],
                ipv4, ipv6, fields[6].isEmpty() ? List.of() : List.of(fields[6].split(",")), fields[7],
                !current || fields[8].isEmpty() ? null : fields[8], !current || fields[9].isEmpty() ? null : fields[9],
                !current || fields[10].isEmpty() ? List.of() : List.of(fields[10].split(",")), withRules ? fields[11] : "");
    }

    private static String stripPort(String address) {
        String suffix = ":" + SITE_PORT;
        if (!address.endsWith(suffix)) {
            throw new IllegalArgumentException("route address must end in " + suffix);
        }
        return address.substring(0, address.length() - suffix.length());
    }

    /** The address of a dotted quad, or null; built from its bytes, so never a DNS lookup. */
    static InetAddress ipv4Literal(String text) {
        if (!IPV4.matcher(text).matches()) {
            return null;
        }
        String[] octets = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = Integer.parseInt(octets[i]);
            if (value > 255 || (octets[i].length() > 1 && octets[i].startsWith("0"))) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The address of an IPv6 literal, or null. Text holding a colon is parsed as a literal, never looked up. */
    static InetAddress ipv6Literal(String text) {
        if (!IPV6.matcher(text).matches() || text.indexOf(':') < 0) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
