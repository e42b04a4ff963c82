package dev.berth.hostd.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.site.SiteNames;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The commands CniNetwork runs, with a fake runner (no root, nothing changes on the host). */
class CniNetworkTest {

    static final class Recorder implements CommandRunner {
        final List<List<String>> commands = new ArrayList<>();
        final List<String> inputs = new ArrayList<>();

        @Override
        public CommandResult run(List<String> argv, Map<String, String> environment, byte[] stdin, Duration timeout) {
            commands.add(argv);
            if (stdin != null) {
                inputs.add(new String(stdin, java.nio.charset.StandardCharsets.UTF_8));
            }
            if (argv.get(0).endsWith("/bridge")) {
                return new CommandResult(0, "{\"interfaces\":[{\"name\":\"cnitest0\"},{\"name\":\"veth1234\"},"
                        + "{\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/x\"}]}", "");
            }
            if (argv.contains("flush")) {
                return new CommandResult(1, "", "Nothing to flush.");
            }
            return new CommandResult(0, "", "");
        }
    }

    @Test
    void attachFlushesTheAddressesNeighbourEntriesOnTheBridgeBeforeTheCniAdd() throws Exception {
        Recorder commands = new Recorder();
        String prefix = "cnit" + Long.toString(System.nanoTime() % 100_000, 36);
        CniNetwork network = new CniNetwork(commands, new ObjectMapper(), new SiteNames(prefix), BridgePlan.single("cnitest0",
                Subnet4.parse("10.1.77.254/24"), Subnet6.parse("fd00:77::fe/64")), Path.of("/usr/lib/cni"), "ip", "nft");
        UUID siteId = UUID.randomUUID();
        network.attach(new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "10.1.77.5",
                "fd00:77::5", new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));

        List<String> flush4 = List.of("ip", "-4", "neigh", "flush", "to", "10.1.77.5", "dev", "cnitest0");
        List<String> flush6 = List.of("ip", "-6", "neigh", "flush", "to", "fd00:77:0:0:0:0:0:5", "dev", "cnitest0");
        List<String> add = List.of("/usr/lib/cni/bridge");
        assertThat(commands.commands).contains(flush4, flush6, add);
        assertThat(commands.commands.indexOf(flush4)).isLessThan(commands.commands.indexOf(add));
        assertThat(commands.commands.indexOf(flush6)).isLessThan(commands.commands.indexOf(add));
        // "Nothing to flush" is not a failure: attach went on and isolated the new port.
        assertThat(commands.commands).contains(List.of("ip", "link", "set", "dev", "veth1234", "type", "bridge_slave",
                "isolated", "on"));
    }

    @Test
    void theGuardDropsEverythingForwardedFromOrToAnyOfTheBridges() throws Exception {
        Recorder commands = new Recorder();
        BridgePlan plan = BridgePlan.of("gt0", Subnet4.parse("10.9.0.254/24"), Subnet6.parse("fd00:9::fe/64"), 26);
        new CniNetwork(commands, new ObjectMapper(), new SiteNames("gt"), plan, Path.of("/usr/lib/cni"), "ip", "nft").ensureBridge();
        String ruleset = commands.inputs.stream().filter(input -> input.contains("table inet gt_guard")).findFirst().orElseThrow();
        String bridges = "{ \"gt0\", \"gt0-1\", \"gt0-2\", \"gt0-3\" }";
        String forward = ruleset.substring(ruleset.indexOf("chain forward"));
        assertThat(forward).contains("type filter hook forward priority filter; policy accept;")
                .contains("iifname " + bridges + " counter drop").contains("oifname " + bridges + " counter drop");
        assertThat(ruleset.substring(ruleset.indexOf("chain input"), ruleset.indexOf("chain forward")))
                .contains("iifname " + bridges + " counter drop");
    }
}
