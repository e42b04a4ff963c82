package dev.berth.hostd.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SiteNames;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.net.BridgePlan;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Site networking with iproute2 and the CNI {@code bridge} plugin (static IPAM). The plugin runs
 * with {@code isGateway=false} and {@code ipMasq=false}: it then neither enables IP forwarding nor
 * adds NAT rules. Each host-side veth is set {@code isolated}, so sites cannot reach each other,
 * only the bridge (the host's proxy side). A site goes on the bridge whose slice of the subnet holds
 * its address ({@link BridgePlan}); with one bridge that is always the configured one.
 */
public final class CniNetwork implements Network {
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final CommandRunner commands;
    private final ObjectMapper mapper;
    private final SiteNames names;
    private final BridgePlan plan;
    private final Path cniPluginDirectory;
    private final String ip;
    private final String nft;
    /** Sites whose namespace a claim just gave them with its addresses: their next attach has nothing to check. */
    private final Set<UUID> adopted = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public CniNetwork(CommandRunner commands, ObjectMapper mapper, SiteNames names, BridgePlan plan,
                      Path cniPluginDirectory, String ipBinary, String nftBinary) {
        this.commands = commands;
        this.mapper = mapper;
        this.names = names;
        this.plan = plan;
        this.cniPluginDirectory = cniPluginDirectory;
        this.ip = ipBinary;
        this.nft = nftBinary;
    }

    /**
     * Creates what is missing and changes nothing that is in place: re-adding an address that is
     * there would briefly drop its connected route and stall connections to the sites. What an
     * earlier split of the subnet left (addresses a bridge no longer carries, numbered bridges past
     * the plan) is removed, or its more specific routes would keep sending to the old bridges.
     */
    @Override
    public void ensureBridge() throws HostOperationException {
        for (BridgePlan.Bridge bridge : plan.bridges()) {
            ensureBridge(bridge);
        }
        try {
            retireUnplannedBridges();
            CommandResult table = commands.run(List.of(nft, "list", "table", "inet", firewallTable()));
            if (!table.ok() || !table.stdout().contains("hook forward")
                    || !plan.names().stream().allMatch(name -> table.stdout().contains('"' + name + '"'))) {
                guardHost();
            }
        } catch (CommandException e) {
            throw new HostOperationException("cannot guard the host from bridges " + plan.names() + ": " + e.getMessage(), e);
        }
    }

    private void ensureBridge(BridgePlan.Bridge bridge) throws HostOperationException {
        String name = bridge.name();
        try {
            CommandResult shown = commands.run(List.of(ip, "-j", "addr", "show", "dev", name));
            if (!shown.ok() || shown.stdout().isBlank()) {
                commands.check(List.of(ip, "link", "add", "name", name, "type", "bridge"));
                shown = commands.check(List.of(ip, "-j", "addr", "show", "dev", name));
            }
            JsonNode link = mapper.readTree(shown.stdout()).path(0);
            Set<String> present = new HashSet<>();
            for (JsonNode info : link.path("addr_info")) {
                present.add(InetAddress.getByName(info.path("local").asText()).getHostAddress() + "/" + info.path("prefixlen").asInt());
            }
            for (String stale : present) {
                if (!stale.equals(bridge.subnet4().cidr()) && !stale.equals(bridge.subnet6().cidr()) && !stale.startsWith("fe80:")) {
                    commands.check(List.of(ip, "addr", "del", stale, "dev", name));
                }
            }
            if (!present.contains(bridge.subnet4().cidr())) {
                commands.check(List.of(ip, "addr", "add", bridge.subnet4().cidr(), "dev", name));
            }
            if (!present.contains(bridge.subnet6().cidr())) {
                commands.check(List.of(ip, "-6", "addr", "add", bridge.subnet6().cidr(), "dev", name, "nodad"));
            }
            boolean up = false;
            for (JsonNode flag : link.path("flags")) {
                up |= "UP".equals(flag.asText());
            }
            if (!up) {
                commands.check(List.of(ip, "link", "set", "dev", name, "up"));
            }
            // Repairs a port left unisolated by a crash between the CNI plugin and the isolation.
            isolatePorts(name);
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot set up bridge " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Bridges named like ours ({@code BRIDGE-N}) that the plan no longer has: without ports they
     * are deleted; with ports (sites not yet moved to their new bridge) they lose their addresses.
     */
    private void retireUnplannedBridges() throws CommandException {
        String base = plan.names().get(0);
        CommandResult links = commands.run(List.of(ip, "-o", "link", "show", "type", "bridge"));
        if (!links.ok()) {
            return;
        }
        for (String line : links.stdout().split("\n")) {
            String[] fields = line.split(":\\s+", 3);
            if (fields.length < 2 || !fields[1].matches(java.util.regex.Pattern.quote(base) + "-[0-9]+")
                    || plan.names().contains(fields[1])) {
                continue;
            }
            if (commands.check(List.of(ip, "-o", "link", "show", "master", fields[1])).stdout().isBlank()) {
                commands.check(List.of(ip, "link", "delete", "dev", fields[1]));
            } else {
                commands.run(List.of(ip, "addr", "flush", "dev", fields[1], "scope", "global"));
            }
        }
    }

    /** Name of the nftables table that guards the host from its sites. */
    public String firewallTable() {
        return names.prefix() + "_guard";
    }

    /**
     * Sites may answer connections the host opened (the proxy) and take part in neighbour discovery,
     * nothing else: a new connection from a site to any host port (the API, SSH, ...) is dropped
     * (input hook). Nothing is forwarded from or to a bridge (forward hook), whatever the host's
     * {@code ip_forward} says and also for frames between ports of one bridge when the host passes
     * bridged traffic to netfilter ({@code br_netfilter}): with the ports {@code isolated}, sites
     * reach each other by no path. Nothing is translated. Replaced atomically.
     */
    private void guardHost() throws CommandException {
        String table = firewallTable();
        String bridges = String.join(", ", plan.names().stream().map(name -> '"' + name + '"').toList());
        String ruleset = """
                table inet %1$s {}
                delete table inet %1$s
                table inet %1$s {
                    chain input {
                        type filter hook input priority filter; policy accept;
                        iifname { %2$s } ct state established,related accept
                        iifname { %2$s } icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept
                        iifname { %2$s } counter drop
                    }
                    chain forward {
                        type filter hook forward priority filter; policy accept;
                        iifname { %2$s } counter drop
                        oifname { %2$s } counter drop
                    }
                }
                """.formatted(table, bridges);
        CommandResult result = commands.run(List.of(nft, "-f", "-"), Map.of(), ruleset.getBytes(java.nio.charset.StandardCharsets.US_ASCII), TIMEOUT);
        result.orThrow(List.of(nft, "-f", "-"));
    }

    /** Removes the bridges and their firewall table (uninstall and tests). */
    public void removeBridge() throws HostOperationException {
        try {
            commands.run(List.of(nft, "delete", "table", "inet", firewallTable()));
            for (String bridge : plan.names()) {
                if (commands.run(List.of(ip, "link", "show", "dev", bridge)).ok()) {
                    commands.check(List.of(ip, "link", "delete", "dev", bridge));
                }
            }
        } catch (CommandException e) {
            throw new HostOperationException("cannot remove bridges " + plan.names() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void attach(SiteSpec spec) throws HostOperationException {
        if (adopted.remove(spec.siteId())) {
            // Given by a claim in this convergence, addresses and all: the check below would cost a process.
            return;
        }
        String netns = names.site(spec.siteId());
        BridgePlan.Bridge bridge = plan.bridgeFor(spec.ipv4());
        try {
            boolean fresh = !Files.exists(NETNS_DIR.resolve(netns));
            if (fresh) {
                commands.check(List.of(ip, "netns", "add", netns));
            }
            // A namespace that already has the site's addresses is left alone: one cheap check on
            // every periodic pass. Ports left unisolated by a crash are repaired by ensureBridge.
            // The prefix lengths are part of the check: after the operator changes how the subnet
            // is split into bridges, the site is moved to its new bridge (CNI DEL, then ADD).
            if (fresh || !hasAddresses(netns, spec, bridge)) {
                // Lets the unprivileged server bind :80 and makes IPv6 addresses usable at once (no
                // DAD wait). Set from the host before the container starts, by argv, never a shell.
                commands.check(List.of(ip, "netns", "exec", netns, "sysctl", "-q", "-w",
                        "net.ipv4.ip_unprivileged_port_start=0",
                        "net.ipv6.conf.all.accept_dad=0",
                        "net.ipv6.conf.default.accept_dad=0"));
                if (!fresh) {
                    cni("DEL", spec.siteId(), spec);
                }
                // The address may have belonged to a site deleted moments ago: its MAC must not stay
                // REACHABLE in the bridge's neighbour table, or the proxy talks to a gone port.
                flushNeighbours(bridge.name(), List.of(InetAddress.getByName(spec.ipv4()), InetAddress.getByName(spec.ipv6())));
                isolate(bridge.name(), cni("ADD", spec.siteId(), spec));
            }
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot attach " + netns + ": " + e.getMessage(), e);
        }
    }

    /**
     * A network namespace {@code netns} with its bridge port but no address yet, for a pool slot:
     * the same sysctls and isolated port as {@link #attach}, on the first bridge. The addresses
     * come with {@link #adopt}.
     *
     * @return the host side of the port (the veth on the bridge)
     */
    public String attachSpare(String netns) throws HostOperationException {
        BridgePlan.Bridge bridge = plan.bridges().get(0);
        try {
            commands.check(List.of(ip, "netns", "add", netns));
            commands.check(List.of(ip, "netns", "exec", netns, "sysctl", "-q", "-w",
                    "net.ipv4.ip_unprivileged_port_start=0",
                    "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0"));
            JsonNode result = bridgePlugin("ADD", netns, bridge, List.of());
            isolate(bridge.name(), result);
            return hostSide(bridge.name(), result);
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot attach spare namespace " + netns + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives a spare namespace (its container {@code pid} runs in it) to a site: the site's name for
     * the namespace, its bridge if that is another, its addresses. The spare name goes; the
     * namespace lives on under the site's, exactly as {@link #attach} would have left it. A stopped
     * site's namespace of that name is replaced: its end of the veth is deleted first, which takes
     * its port off the bridge at once.
     */
    public void adopt(String spareNetns, int pid, String hostVeth, SiteSpec spec) throws HostOperationException {
        String netns = names.site(spec.siteId());
        BridgePlan.Bridge bridge = plan.bridgeFor(spec.ipv4());
        try {
            StringBuilder names = new StringBuilder();
            if (Files.exists(NETNS_DIR.resolve(netns))) {
                commands.run(List.of(ip, "-n", netns, "link", "delete", "eth0"));
                names.append("netns delete ").append(netns).append('\n');
            }
            names.append("netns attach ").append(netns).append(' ').append(pid).append('\n');
            names.append("netns delete ").append(spareNetns).append('\n');
            if (!bridge.name().equals(plan.bridges().get(0).name())) {
                names.append("link set dev ").append(hostVeth).append(" master ").append(bridge.name()).append('\n');
                names.append("link set dev ").append(hostVeth).append(" type bridge_slave isolated on\n");
            }
            // The addresses may have been a site's deleted moments ago: no neighbour entry may still name its port.
            for (String address : List.of(spec.ipv4(), spec.ipv6())) {
                names.append("neigh flush to ").append(InetAddress.getByName(address).getHostAddress()).append(" dev ")
                        .append(bridge.name()).append('\n');
            }
            // Two processes in all (this one in the host's namespace, the next in the site's): each costs
            // several milliseconds, and this is a site's path to its first answer.
            batch(List.of(ip, "-batch", "-"), names.toString());
            batch(List.of(ip, "-n", netns, "-batch", "-"),
                    "addr add " + spec.ipv4() + "/" + bridge.subnet4().prefixLength() + " dev eth0\n"
                    + "addr add " + spec.ipv6() + "/" + bridge.subnet6().prefixLength() + " dev eth0 nodad\n");
            adopted.add(spec.siteId());
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot give spare namespace " + spareNetns + " to " + netns + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code ip -batch -} with these commands (one per line; it stops at the first that fails). */
    private void batch(List<String> argv, String commandLines) throws CommandException {
        commands.run(argv, Map.of(), commandLines.getBytes(java.nio.charset.StandardCharsets.US_ASCII), TIMEOUT).orThrow(argv);
    }

    /** Removes a spare namespace and its port; succeeds if it is gone. */
    public void removeSpare(String netns) throws HostOperationException {
        try {
            if (Files.exists(NETNS_DIR.resolve(netns))) {
                bridgePlugin("DEL", netns, plan.bridges().get(0), List.of());
                commands.check(List.of(ip, "netns", "delete", netns));
            }
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot remove spare namespace " + netns + ": " + e.getMessage(), e);
        }
    }

    /** Path of a spare namespace, for the pool slot's container. */
    public Path spareNamespacePath(String netns) {
        return NETNS_DIR.resolve(netns);
    }

    /** The first bridge's ports whose namespace's name starts with {@code head}: namespace name -> host-side veth. */
    public Map<String, String> sparePorts(String head) throws HostOperationException {
        Map<String, String> ports = new java.util.HashMap<>();
        try {
            CommandResult result = commands.run(List.of(ip, "-o", "link", "show", "master", plan.bridges().get(0).name()));
            if (!result.ok()) {
                return ports;
            }
            for (String line : result.stdout().split("\n")) {
                String[] fields = line.split(":\\s+", 3);
                int netns = line.indexOf(" link-netns ");
                if (fields.length < 2 || netns < 0) {
                    continue;
                }
                String name = line.substring(netns + " link-netns ".length()).split("\\s+")[0];
                if (name.startsWith(head)) {
                    ports.put(name, fields[1].replaceFirst("@.*", ""));
                }
            }
        } catch (CommandException e) {
            throw new HostOperationException("cannot list the bridge's ports: " + e.getMessage(), e);
        }
        return ports;
    }

    /** Namespaces whose name starts with {@code head} (pool slots, which are no site's). */
    public Set<String> namespacesStartingWith(String head) throws HostOperationException {
        Set<String> found = new HashSet<>();
        if (!Files.isDirectory(NETNS_DIR)) {
            return found;
        }
        try (Stream<Path> entries = Files.list(NETNS_DIR)) {
            entries.map(entry -> entry.getFileName().toString()).filter(name -> name.startsWith(head)).forEach(found::add);
        } catch (IOException e) {
            throw new HostOperationException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
        }
        return found;
    }

    private boolean hasAddresses(String netns, SiteSpec spec, BridgePlan.Bridge bridge) throws CommandException, IOException {
        CommandResult result = commands.run(List.of(ip, "-n", netns, "-j", "addr", "show", "dev", "eth0"));
        if (!result.ok() || result.stdout().isBlank()) {
            return false;
        }
        Set<String> present = new HashSet<>();
        for (JsonNode link : mapper.readTree(result.stdout())) {
            for (JsonNode info : link.path("addr_info")) {
                present.add(InetAddress.getByName(info.path("local").asText()).getHostAddress() + "/" + info.path("prefixlen").asInt());
            }
        }
        return present.contains(InetAddress.getByName(spec.ipv4()).getHostAddress() + "/" + bridge.subnet4().prefixLength())
                && present.contains(InetAddress.getByName(spec.ipv6()).getHostAddress() + "/" + bridge.subnet6().prefixLength());
    }

    /** The global addresses on the site's {@code eth0} (empty if it has none or the namespace is broken). */
    private List<InetAddress> siteAddresses(String netns) throws CommandException, IOException {
        CommandResult result = commands.run(List.of(ip, "-n", netns, "-j", "addr", "show", "dev", "eth0"));
        List<InetAddress> addresses = new java.util.ArrayList<>();
        if (!result.ok() || result.stdout().isBlank()) {
            return addresses;
        }
        for (JsonNode link : mapper.readTree(result.stdout())) {
            for (JsonNode info : link.path("addr_info")) {
                InetAddress address = InetAddress.getByName(info.path("local").asText());
                if (!address.isLinkLocalAddress() && !address.isLoopbackAddress()) {
                    addresses.add(address);
                }
            }
        }
        return addresses;
    }

    /** Forgets the bridge's neighbour entries (ARP / NDP) for these addresses; nothing to flush is fine. */
    private void flushNeighbours(String bridge, List<InetAddress> addresses) throws CommandException {
        for (InetAddress address : addresses) {
            List<String> argv = List.of(ip, address instanceof java.net.Inet6Address ? "-6" : "-4", "neigh", "flush",
                    "to", address.getHostAddress(), "dev", bridge);
            CommandResult result = commands.run(argv);
            if (!result.ok() && !(result.stdout() + result.stderr()).toLowerCase(java.util.Locale.ROOT).contains("nothing to flush")) {
                result.orThrow(argv);
            }
        }
    }

    /** Sets every port of the bridge isolated; cheap to repeat and also repairs a port set up by hand. */
    private void isolatePorts(String bridge) throws CommandException, IOException {
        CommandResult ports = commands.check(List.of(ip, "-j", "-d", "link", "show", "master", bridge));
        if (ports.stdout().isBlank()) {
            return;
        }
        for (JsonNode port : mapper.readTree(ports.stdout())) {
            boolean isolated = port.path("linkinfo").path("info_slave_data").path("isolated").asBoolean(false);
            if (!isolated) {
                commands.check(List.of(ip, "link", "set", "dev", port.path("ifname").asText(), "type", "bridge_slave", "isolated", "on"));
            }
        }
    }

    /** Sets the host side of a freshly added veth (named in the plugin's result) isolated. */
    private void isolate(String bridge, JsonNode cniResult) throws CommandException {
        commands.check(List.of(ip, "link", "set", "dev", hostSide(bridge, cniResult), "type", "bridge_slave", "isolated", "on"));
    }

    /** The host side of a freshly added veth, named in the plugin's result. */
    private static String hostSide(String bridge, JsonNode cniResult) throws CommandException {
        for (JsonNode link : cniResult.path("interfaces")) {
            String name = link.path("name").asText();
            if (!link.has("sandbox") && !name.equals(bridge) && !name.isEmpty()) {
                return name;
            }
        }
        throw new CommandException("the CNI result names no host-side interface: " + cniResult);
    }

    private JsonNode cni(String command, UUID siteId, SiteSpec spec) throws CommandException, IOException {
        // DEL (spec null) only removes the namespace's end of the veth; the bridge name is not used.
        BridgePlan.Bridge bridge = spec == null ? plan.bridges().get(0) : plan.bridgeFor(spec.ipv4());
        List<String> addresses = spec == null ? List.of() : List.of(spec.ipv4() + "/" + bridge.subnet4().prefixLength(),
                spec.ipv6() + "/" + bridge.subnet6().prefixLength());
        return bridgePlugin(command, names.site(siteId), bridge, addresses);
    }

    /**
     * Runs the CNI bridge plugin on namespace {@code netns}; with no address (a spare namespace),
     * without IPAM: the plugin then only makes and plugs the port.
     */
    private JsonNode bridgePlugin(String command, String netns, BridgePlan.Bridge bridge, List<String> addresses)
            throws CommandException, IOException {
        ObjectNode config = mapper.createObjectNode();
        config.put("cniVersion", "1.0.0");
        config.put("name", names.prefix());
        config.put("type", "bridge");
        config.put("bridge", bridge.name());
        config.put("isGateway", false);
        config.put("isDefaultGateway", false);
        config.put("ipMasq", false);
        config.put("hairpinMode", false);
        if (!addresses.isEmpty() || !"ADD".equals(command)) {
            ObjectNode ipam = config.putObject("ipam");
            ipam.put("type", "static");
            ArrayNode list = ipam.putArray("addresses");
            addresses.forEach(address -> list.addObject().put("address", address));
        }
        Map<String, String> environment = Map.of(
                "CNI_COMMAND", command,
                "CNI_CONTAINERID", netns,
                "CNI_NETNS", NETNS_DIR.resolve(netns).toString(),
                "CNI_IFNAME", "eth0",
                "CNI_PATH", cniPluginDirectory.toString());
        CommandResult result = commands.run(List.of(cniPluginDirectory.resolve("bridge").toString()), environment,
                mapper.writeValueAsBytes(config), TIMEOUT);
        if (!result.ok()) {
            throw new CommandException("CNI bridge " + command + " failed: " + result.stdout().strip() + " " + result.stderr().strip());
        }
        return result.stdout().isBlank() ? mapper.createObjectNode() : mapper.readTree(result.stdout());
    }

    @Override
    public void detach(UUID siteId) throws HostOperationException {
        adopted.remove(siteId);
        String netns = names.site(siteId);
        try {
            if (Files.exists(NETNS_DIR.resolve(netns))) {
                List<InetAddress> addresses = siteAddresses(netns);
                cni("DEL", siteId, null);
                commands.check(List.of(ip, "netns", "delete", netns));
                for (InetAddress address : addresses) {
                    if (address instanceof java.net.Inet4Address v4 && plan.bridgeFor(v4).isPresent()) {
                        flushNeighbours(plan.bridgeFor(v4).get().name(), addresses);
                        break;
                    }
                }
            }
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot detach " + netns + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Set<UUID> attachedSites() throws HostOperationException {
        Set<UUID> sites = new HashSet<>();
        if (!Files.isDirectory(NETNS_DIR)) {
            return sites;
        }
        try (Stream<Path> entries = Files.list(NETNS_DIR)) {
            entries.forEach(entry -> names.parseSite(entry.getFileName().toString()).ifPresent(sites::add));
        } catch (IOException e) {
            throw new HostOperationException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
        }
        return sites;
    }

    @Override
    public Path namespacePath(UUID siteId) {
        return NETNS_DIR.resolve(names.site(siteId));
    }
}
