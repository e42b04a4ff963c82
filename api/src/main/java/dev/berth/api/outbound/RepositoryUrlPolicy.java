package dev.berth.api.outbound;

import dev.berth.api.platform.IpAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Decides whether Berth may fetch from a repository URL: https, or SSH for deploy keys
 * ({@code ssh://user@host[:port]/path} or scp-like {@code user@host:path}); no password, query or
 * fragment, an unambiguous host name or IP literal, and every address the host resolves to public
 * unicast. Checked after resolution through the injected {@link Resolver} and before any
 * connection; {@link #checkAddress} repeats the address rule at connection time. An SSH URL may
 * name a user (a Git host's {@code git}) but nothing starting with '-' anywhere (no option
 * smuggled to a command line), and its path is plain: letters, digits and {@code ._~/@+-}.
 *
 * <p>An explicit allowlist (configuration, never a default) exempts targets from the address rule:
 * CIDR blocks ({@code 10.20.0.0/16}, {@code fd00::/8}) or exact {@code host:port} pairs
 * ({@code 127.0.0.1:8443}, {@code git.internal.example:443}). Plain http is allowed only for
 * allowlisted targets and only when {@code allowPlainHttpForAllowlisted} is set (tests serving a
 * repository on loopback). The same rules guard the URLs of webhook endpoints
 * ({@link Subject#WEBHOOK_ENDPOINT}: the messages name an endpoint, and a query is allowed).
 * Thread-safe and immutable.
 */
public final class RepositoryUrlPolicy {
    /** Resolves a host name to all its addresses; the real one asks the JDK, tests use a fake. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));
    }

    /**
     * What the policy guards, for its messages and its one difference of form: a repository URL
     * has no query; a webhook endpoint URL may have one (receivers often carry a token there).
     */
    public record Subject(String noun, boolean queryAllowed, boolean sshAllowed) {
        /** Git repositories (the default): https, and SSH for deploy keys. */
        public static final Subject REPOSITORY = new Subject("repository", false, true);
        /** The endpoints Berth sends webhook events to: http(s) only. */
        public static final Subject WEBHOOK_ENDPOINT = new Subject("endpoint", true, false);
    }

    /** A URL that passed, with the addresses it was checked against. */
    public record CheckedUrl(URI uri, String host, int port, List<InetAddress> addresses) {
    }

    private static final Pattern DNS_NAME = Pattern.compile(
            "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?))*$");
    private static final Pattern DOTTED_QUAD = Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");
    /** Git's scp-like form: {@code user@host:path}, told from a URL by the colon before any slash. */
    private static final Pattern SCP_LIKE = Pattern.compile("^([^@/:]+)@(\\[[0-9A-Fa-f:.]+\\]|[^@/:\\[\\]]+):(.*)$");
    private static final Pattern SSH_USER = Pattern.compile("^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$");
    private static final Pattern SSH_PATH = Pattern.compile("^/?[A-Za-z0-9._~@+][A-Za-z0-9._~/@+-]{0,1023}$");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("^(0x[0-9a-f]*|[0-9]+)$");

    private final Resolver resolver;
    private final List<IpAddresses.Cidr> allowedBlocks = new ArrayList<>();
    private final List<String> allowedHostPorts = new ArrayList<>();
    private final boolean allowPlainHttpForAllowlisted;
    private final Subject subject;

    /**
     * @param allowlist CIDR blocks or {@code host:port} pairs exempt from the address rule; empty in production
     * @throws IllegalArgumentException naming an allowlist entry that is neither
     */
    public RepositoryUrlPolicy(Resolver resolver, List<String> allowlist, boolean allowPlainHttpForAllowlisted) {
        this(resolver, allowlist, allowPlainHttpForAllowlisted, Subject.REPOSITORY);
    }

    /** The same rules for another kind of target (webhook endpoints), with messages that name it. */
    public RepositoryUrlPolicy(Resolver resolver, List<String> allowlist, boolean allowPlainHttpForAllowlisted, Subject subject) {
        this.subject = Objects.requireNonNull(subject, "subject");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        for (String entry : allowlist) {
            String trimmed = entry.trim().toLowerCase(Locale.ROOT);
            if (trimmed.contains("/")) {
                try {
                    allowedBlocks.add(IpAddresses.Cidr.parse(trimmed));
                } catch (IllegalArgumentException invalid) {
                    throw new IllegalArgumentException("repository allowlist entry '" + entry + "' is not a valid CIDR block", invalid);
                }
            } else if (trimmed.matches("^(\\[[0-9a-f:.]+\\]|[a-z0-9.-]+):[0-9]{1,5}$")) {
                allowedHostPorts.add(trimmed);
            } else {
                throw new IllegalArgumentException(subject.noun() + " allowlist entry '" + entry + "' must be a CIDR block or host:port");
            }
        }
        this.allowPlainHttpForAllowlisted = allowPlainHttpForAllowlisted;
    }

    /** The production policy: system DNS, nothing allowlisted. */
    public static RepositoryUrlPolicy strict() {
        return new RepositoryUrlPolicy(Resolver.SYSTEM, List.of(), false);
    }

    /**
     * Checks the URL's form, resolves its host and checks every address.
     *
     * @throws RepositoryUrlRefusedException stating the rule broken
     */
    public CheckedUrl check(String url) throws RepositoryUrlRefusedException {
        if (url == null || url.isBlank()) {
            throw new RepositoryUrlRefusedException("a" + (subject.noun().matches("^[aeiou].*") ? "n " : " ") + subject.noun() + " URL is required");
        }
        if (url.length() > 2048) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL is longer than 2048 characters");
        }
        if (subject.sshAllowed() && isScpLike(url)) {
            return checkSsh(scpToUri(url));
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException invalid) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL is not a valid URI ('ext::' and other transport forms are not allowed)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("ssh") && subject.sshAllowed()) {
            return checkSsh(uri);
        }
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must use https" + (subject.sshAllowed() ? " or ssh" : "")
                    + ", not '" + printable(scheme) + "'");
        }
        if (uri.getRawUserInfo() != null || uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must not carry credentials"
                    + (subject.equals(Subject.REPOSITORY) ? "; give a private repository's access token as the source's token" : ""));
        }
        if (uri.getRawFragment() != null) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must not have a fragment");
        }
        if (uri.getRawQuery() != null && !subject.queryAllowed()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must not have a query");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL has no valid host");
        }
        host = host.toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        checkHostForm(host);
        boolean hostPortAllowed = allowedHostPorts.contains(host + ":" + port);
        List<InetAddress> addresses = resolveAndCheck(host, port);
        if (scheme.equals("http") && !(allowPlainHttpForAllowlisted && (hostPortAllowed || addresses.stream().allMatch(this::isInAllowedBlock)))) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must use https, not 'http'");
        }
        return new CheckedUrl(uri, host, port, List.copyOf(addresses));
    }

    /** Whether {@code url} is an SSH repository URL ({@code ssh://} or scp-like), checked or not. */
    public static boolean isSsh(String url) {
        return url != null && (url.regionMatches(true, 0, "ssh://", 0, 6) || isScpLike(url));
    }

    private static boolean isScpLike(String url) {
        return !url.contains("://") && SCP_LIKE.matcher(url).matches();
    }

    /** {@code user@host:path} as the {@code ssh://} URI it means, for checking (the path is kept as written). */
    private URI scpToUri(String url) throws RepositoryUrlRefusedException {
        java.util.regex.Matcher parts = SCP_LIKE.matcher(url);
        if (!parts.matches()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL is not a valid ssh 'user@host:path'");
        }
        String path = parts.group(3);
        checkSshUserAndPath(parts.group(1), path.startsWith("/") ? path : "/" + path);
        try {
            return new URI("ssh://" + parts.group(1) + "@" + parts.group(2) + (path.startsWith("/") ? "" : "/") + path);
        } catch (URISyntaxException invalid) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL is not a valid ssh 'user@host:path'");
        }
    }

    private CheckedUrl checkSsh(URI uri) throws RepositoryUrlRefusedException {
        String user = uri.getRawUserInfo();
        if (user != null && user.contains(":")) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must not carry a password; use the site's deploy key");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL must not have a query or a fragment");
        }
        checkSshUserAndPath(user, uri.getRawPath());
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL has no valid host");
        }
        host = host.toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : 22;
        checkHostForm(host);
        return new CheckedUrl(uri, host, port, resolveAndCheck(host, port));
    }

    private void checkSshUserAndPath(String user, String path) throws RepositoryUrlRefusedException {
        if (user != null && !SSH_USER.matcher(user).matches()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL's user must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '-'");
        }
        if (path == null || !SSH_PATH.matcher(path).matches() || path.contains("/-") || path.contains("..")) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " URL's path must be a plain repository path such as"
                    + " org/site.git (letters, digits and ._~/@+-, no '..', no part starting with '-')");
        }
    }

    private List<InetAddress> resolveAndCheck(String host, int port) throws RepositoryUrlRefusedException {
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException unknown) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " host '" + printable(host) + "' does not resolve");
        }
        if (addresses.isEmpty()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " host '" + printable(host) + "' does not resolve");
        }
        for (InetAddress address : addresses) {
            checkAddress(host, port, address);
        }
        return addresses;
    }

    /**
     * Checks one address that {@code host:port} resolved to, at resolution or at connection time.
     *
     * @throws RepositoryUrlRefusedException if the address is not public unicast and not allowlisted
     */
    public void checkAddress(String host, int port, InetAddress address) throws RepositoryUrlRefusedException {
        String target = host.toLowerCase(Locale.ROOT) + ":" + port;
        if (allowedHostPorts.contains(target) || isInAllowedBlock(address)) {
            return;
        }
        if (!isPublicUnicast(address)) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " host '" + printable(host) + "' resolves to " + address.getHostAddress()
                    + ", which is not a public unicast address (loopback, private, link-local, metadata and similar ranges are refused)");
        }
    }

    /** True for addresses routable on the public Internet; false for every special-purpose range. */
    public static boolean isPublicUnicast(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicIpv4(bytes);
        }
        if (address instanceof Inet6Address) {
            int first = bytes[0] & 0xff;
            if ((first & 0xe0) != 0x20) {
                return false; // outside 2000::/3: ::/8 (unspecified, loopback, IPv4-compatible and -mapped), fc00::/7, fe80::/10, ff00::/8...
            }
            int second = bytes[1] & 0xff;
            if (first == 0x20 && second == 0x01 && (bytes[2] & 0xff) == 0x0d && (bytes[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            if (first == 0x20 && second == 0x01 && bytes[2] == 0 && (bytes[3] & 0xff) < 0x40) {
                return false; // 2001::/23 IETF protocol assignments: Teredo (2001::/32), ORCHID, benchmarking
            }
            if (first == 0x20 && second == 0x02) {
                return isPublicIpv4(new byte[] {bytes[2], bytes[3], bytes[4], bytes[5]}); // 6to4 embeds an IPv4 address
            }
            return true;
        }
        return false;
    }

    private static boolean isPublicIpv4(byte[] bytes) {
        int a = bytes[0] & 0xff;
        int b = bytes[1] & 0xff;
        int c = bytes[2] & 0xff;
        return !(a == 0 || a == 10 || a == 127 || a >= 224 // this network, private, loopback, multicast, reserved, broadcast
                || a == 100 && b >= 64 && b <= 127 // CGNAT 100.64/10
                || a == 169 && b == 254 // link-local, cloud metadata
                || a == 172 && b >= 16 && b <= 31
                || a == 192 && b == 168
                || a == 192 && b == 0 && (c == 0 || c == 2) // IETF protocol assignments, TEST-NET-1
                || a == 192 && b == 88 && c == 99 // 6to4 relay anycast
                || a == 198 && (b == 18 || b == 19) // benchmarking
                || a == 198 && b == 51 && c == 100 // TEST-NET-2
                || a == 203 && b == 0 && c == 113); // TEST-NET-3
    }

    private void checkHostForm(String host) throws RepositoryUrlRefusedException {
        if (host.startsWith("[")) {
            return; // an IPv6 literal, already validated by URI; the address rule decides
        }
        if (host.endsWith(".")) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " host '" + printable(host) + "' must not end with a dot");
        }
        if (!DNS_NAME.matcher(host).matches()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " host '" + printable(host) + "' is not a valid DNS name (use the punycode form)");
        }
        String lastLabel = host.substring(host.lastIndexOf('.') + 1);
        if (NUMERIC_LABEL.matcher(lastLabel).matches() && !DOTTED_QUAD.matcher(host).matches()) {
            throw new RepositoryUrlRefusedException("the " + subject.noun() + " host '" + printable(host)
                    + "' is a numeric address in a non-standard form (decimal, octal, hex or shortened); write it as a dotted quad");
        }
    }

    private boolean isInAllowedBlock(InetAddress address) {
        for (IpAddresses.Cidr block : allowedBlocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static String printable(String value) {
        String cut = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
