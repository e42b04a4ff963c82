package dev.berth.hostd.site;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Checks a spec against the rules of this host before anything is created: names, addresses inside
 * the bridge subnets and not used by another site, limits in range, release names that cannot
 * escape the site's directory, a protection the proxy can carry ({@link ProtectionRules}). Pure: no host effects, so it is unit-tested without root.
 */
public final class SiteValidator {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern RELEASE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern IPV4_TEXT = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6_TEXT = Pattern.compile("[0-9a-fA-F:]{2,39}");

    /** Inclusive ranges a single site or tenant may ask for. */
    public record Ranges(int minCpuMillicores, int maxCpuMillicores, int minMemoryMib, int maxMemoryMib,
                         int minPids, int maxPids) {
        public static Ranges defaults(int hostCpus, long hostMemoryMib) {
            return new Ranges(10, hostCpus * 1000, 8, (int) Math.min(Integer.MAX_VALUE, hostMemoryMib), 8, 100_000);
        }
    }

    private final BridgePlan bridges;
    private final Ranges ranges;

    public SiteValidator(BridgePlan bridges, Ranges ranges) {
        this.bridges = Objects.requireNonNull(bridges);
        this.ranges = Objects.requireNonNull(ranges);
    }

    /** A validator for one bridge carrying both subnets. */
    public SiteValidator(Subnet4 subnet4, Subnet6 subnet6, Ranges ranges) {
        this(BridgePlan.single("berth0", subnet4, subnet6), ranges);
    }

    /**
     * Validates {@code spec} for the site {@code pathSiteId} against every other spec this host holds.
     *
     * @throws InvalidSpecException listing every rule the spec breaks
     */
    public void validate(String pathSiteId, SiteSpec spec, Collection<SiteSpec> others) throws InvalidSpecException {
        List<String> problems = new ArrayList<>();
        if (spec.siteId() == null) {
            problems.add("siteId is required");
        } else if (!spec.siteId().toString().equals(pathSiteId)) {
            problems.add("siteId in the body must equal the id in the path");
        }
        if (spec.tenantId() == null) {
            problems.add("tenantId is required");
        }
        if (spec.name() == null || !LABEL.matcher(spec.name()).matches()) {
            problems.add("name must be a DNS label of 1 to 63 characters (a-z, 0-9, hyphen; no leading or trailing hyphen)");
        }
        if (spec.hostnames().isEmpty()) {
            problems.add("hostnames must hold at least one hostname");
        }
        if (spec.hostnames().size() > 20) {
            problems.add("hostnames may hold at most 20 hostnames");
        }
        for (String hostname : spec.hostnames()) {
            if (!isHostname(hostname)) {
                problems.add("hostname '" + printable(hostname) + "' must be lower-case DNS labels separated by dots, at most 253 characters");
            }
        }
        problems.addAll(ProtectionRules.problems(spec.protection()));
        if (spec.generation() < 1) {
            problems.add("generation must be at least 1");
        }
        if (spec.release() != null && !RELEASE.matcher(spec.release()).matches()) {
            problems.add("release must be 1 to 64 characters of A-Z a-z 0-9 . _ - and must not start with a dot or hyphen");
        }
        Inet4Address ipv4 = parse4(spec.ipv4(), problems);
        // The site's IPv6 goes on the same bridge as its IPv4, so it must be in that bridge's slice.
        Subnet6 subnet6 = ipv4 == null ? bridges.subnet6() : bridges.bridgeFor(ipv4).orElseThrow().subnet6();
        Inet6Address ipv6 = parse6(spec.ipv6(), subnet6, problems);
        checkLimits("siteLimits", spec.siteLimits(), problems);
        checkLimits("tenantLimits", spec.tenantLimits(), problems);
        if (spec.siteLimits() != null && spec.tenantLimits() != null && problems.isEmpty()) {
            if (spec.siteLimits().memoryMib() > spec.tenantLimits().memoryMib()
                    || spec.siteLimits().pids() > spec.tenantLimits().pids()
                    || spec.siteLimits().cpuMillicores() > spec.tenantLimits().cpuMillicores()) {
                problems.add("siteLimits must not exceed tenantLimits");
            }
        }
        for (SiteSpec other : others) {
            if (Objects.equals(other.siteId(), spec.siteId())) {
                continue;
            }
            if (ipv4 != null && sameAddress(other.ipv4(), ipv4)) {
                problems.add("ipv4 " + spec.ipv4() + " is already used by another site");
            }
            if (ipv6 != null && sameAddress(other.ipv6(), ipv6)) {
                problems.add("ipv6 " + spec.ipv6() + " is already used by another site");
            }
            for (String hostname : spec.hostnames()) {
                if (other.hostnames().contains(hostname)) {
                    problems.add("hostname " + printable(hostname) + " is already used by another site");
                }
            }
            if (spec.name() != null && spec.name().equals(other.name())) {
                problems.add("name " + spec.name() + " is already used by another site");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(problems);
        }
    }

    private Inet4Address parse4(String text, List<String> problems) {
        if (text == null || !IPV4_TEXT.matcher(text).matches()) {
            problems.add("ipv4 must be a dotted-quad IPv4 address");
            return null;
        }
        try {
            Inet4Address address = (Inet4Address) InetAddress.getByName(text);
            Subnet4 slice = bridges.bridgeFor(address).map(BridgePlan.Bridge::subnet4).orElse(bridges.subnet4());
            if (!slice.isHostAddress(address)) {
                problems.add("ipv4 " + text + " must be a host address of " + slice + " other than the bridge's");
                return null;
            }
            return address;
        } catch (UnknownHostException | ClassCastException e) {
            problems.add("ipv4 must be a dotted-quad IPv4 address");
            return null;
        }
    }

    private Inet6Address parse6(String text, Subnet6 subnet6, List<String> problems) {
        if (text == null || !IPV6_TEXT.matcher(text).matches() || !text.contains(":")) {
            problems.add("ipv6 must be an IPv6 address");
            return null;
        }
        try {
            InetAddress parsed = InetAddress.getByName(text);
            if (!(parsed instanceof Inet6Address address)) {
                problems.add("ipv6 must be an IPv6 address");
                return null;
            }
            if (!subnet6.isHostAddress(address)) {
                problems.add("ipv6 " + text + " must be a host address of " + subnet6 + " other than the bridge's");
                return null;
            }
            return address;
        } catch (UnknownHostException e) {
            problems.add("ipv6 must be an IPv6 address");
            return null;
        }
    }

    private void checkLimits(String field, ResourceLimits limits, List<String> problems) {
        if (limits == null) {
            problems.add(field + " is required");
            return;
        }
        if (limits.cpuMillicores() < ranges.minCpuMillicores() || limits.cpuMillicores() > ranges.maxCpuMillicores()) {
            problems.add(field + ".cpuMillicores must be between " + ranges.minCpuMillicores() + " and " + ranges.maxCpuMillicores());
        }
        if (limits.memoryMib() < ranges.minMemoryMib() || limits.memoryMib() > ranges.maxMemoryMib()) {
            problems.add(field + ".memoryMib must be between " + ranges.minMemoryMib() + " and " + ranges.maxMemoryMib());
        }
        if (limits.pids() < ranges.minPids() || limits.pids() > ranges.maxPids()) {
            problems.add(field + ".pids must be between " + ranges.minPids() + " and " + ranges.maxPids());
        }
    }

    private static boolean sameAddress(String text, InetAddress address) {
        try {
            return text != null && InetAddress.getByName(text).equals(address);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public static boolean isHostname(String hostname) {
        if (hostname == null || hostname.isEmpty() || hostname.length() > 253) {
            return false;
        }
        for (String label : hostname.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String text) {
        if (text == null) {
            return "null";
        }
        String cut = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
