package dev.berth.hostd.site;

import dev.berth.hostprotocol.SiteProtection;
import dev.berth.hostprotocol.net.Subnet4;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The grammar of a site's protection as the proxy's route table carries it (the Lua module checks
 * the same grammar again). Nothing a tenant typed reaches the table but these shapes: a PBKDF2
 * verifier of hex digits, a path of URL-safe characters and CIDR blocks whose host bits are zero.
 * Pure and thread-safe.
 */
public final class ProtectionRules {
    /** The most PBKDF2 iterations a verifier may ask the proxy to compute (it runs in nginx's event loop). */
    public static final int MAX_ITERATIONS = 100_000;
    /** The fewest PBKDF2 iterations a verifier may have. */
    public static final int MIN_ITERATIONS = 1_000;
    /** The most CIDR blocks of one allow-list. */
    public static final int MAX_ALLOWED_ADDRESSES = 50;
    private static final Pattern CREDENTIALS = Pattern.compile(
            Pattern.quote(SiteProtection.SCHEME) + ":([1-9][0-9]{3,5}):[0-9a-f]{32}:[0-9a-f]{64}");
    private static final Pattern PATH_PREFIX = Pattern.compile("/[A-Za-z0-9._~/-]{0,199}");
    private static final Pattern CIDR4 = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})");
    private static final Pattern CIDR6 = Pattern.compile("([0-9a-f:]{2,39})/(\\d{1,3})");

    private ProtectionRules() {
    }

    /** Every rule {@code protection} breaks; empty for a valid one (and for null: an open site). */
    public static List<String> problems(SiteProtection protection) {
        List<String> problems = new ArrayList<>();
        if (protection == null) {
            return problems;
        }
        String credentials = protection.credentials();
        if (credentials == null && protection.allowedAddresses().isEmpty()) {
            problems.add("protection needs credentials, allowedAddresses or both");
        }
        if (credentials != null && !validCredentials(credentials)) {
            problems.add("protection.credentials must be " + SiteProtection.SCHEME + ":ITERATIONS:SALT:KEY with " + MIN_ITERATIONS
                    + " to " + MAX_ITERATIONS + " iterations, a 16-byte and a 32-byte value in lower-case hex");
        }
        String prefix = protection.pathPrefix();
        if (prefix != null && !validPathPrefix(prefix)) {
            problems.add("protection.pathPrefix must be / and up to 199 characters of A-Z a-z 0-9 . _ ~ / -,"
                    + " without // or a . or .. segment");
        }
        if (protection.allowedAddresses().size() > MAX_ALLOWED_ADDRESSES) {
            problems.add("protection.allowedAddresses may hold at most " + MAX_ALLOWED_ADDRESSES + " blocks");
        }
        for (String block : protection.allowedAddresses()) {
            if (!isCanonicalCidr(block)) {
                problems.add("protection.allowedAddresses must be CIDR blocks in lower case with the host bits zero");
                break;
            }
        }
        return problems;
    }

    static boolean validCredentials(String credentials) {
        var matcher = CREDENTIALS.matcher(credentials);
        if (!matcher.matches()) {
            return false;
        }
        int iterations = Integer.parseInt(matcher.group(1));
        return iterations >= MIN_ITERATIONS && iterations <= MAX_ITERATIONS;
    }

    /**
     * Whether {@code prefix} is a path nginx's normalised URI can start with: no {@code //}, no
     * {@code .} or {@code ..} segment, and no trailing slash but for {@code /} itself.
     */
    static boolean validPathPrefix(String prefix) {
        if (!PATH_PREFIX.matcher(prefix).matches() || prefix.contains("//")) {
            return false;
        }
        if (prefix.length() > 1 && prefix.endsWith("/")) {
            return false;
        }
        for (String segment : prefix.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code block} is {@code ADDRESS/LENGTH} with the address's bits past the length all zero. */
    public static boolean isCanonicalCidr(String block) {
        if (block == null) {
            return false;
        }
        var v4 = CIDR4.matcher(block);
        var v6 = CIDR6.matcher(block);
        InetAddress address;
        int length;
        if (v4.matches()) {
            address = ipv4Literal(v4.group(1));
            length = Integer.parseInt(v4.group(2));
            if (!(address instanceof Inet4Address) || length > 32) {
                return false;
            }
        } else if (v6.matches() && v6.group(1).indexOf(':') >= 0) {
            address = ipv6Literal(v6.group(1));
            length = Integer.parseInt(v6.group(2));
            if (!(address instanceof Inet6Address) || length > 128) {
                return false;
            }
        } else {
            return false;
        }
        byte[] bytes = address.getAddress();
        int bits = bytes.length * 8;
        BigInteger value = new BigInteger(1, bytes);
        return length == bits || value.shiftLeft(length).mod(BigInteger.ONE.shiftLeft(bits)).signum() == 0;
    }

    private static InetAddress ipv4Literal(String text) {
        try {
            return Subnet4.parseAddress(text);
        } catch (IllegalArgumentException notOne) {
            return null;
        }
    }

    /** Text holding a colon is parsed as a literal, never looked up. */
    private static InetAddress ipv6Literal(String text) {
        try {
            InetAddress address = InetAddress.getByName(text);
            return address instanceof Inet6Address ? address : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
