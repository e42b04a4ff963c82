package dev.berth.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Two real hostd nodes on this machine driven by one API: the first stack's hostd (the API's
 * configured host, node {@code node1}, on its socket) and a second hostd alone
 * ({@code hostd-node.yml}: its mutual-TLS listener on a loopback port), with the platform CA, the
 * second node's server certificate and the API's client certificate made by {@code hostd pki} in a
 * directory of the run. {@link #join} registers the second node through the API as a node's
 * operator would. {@link #close} stops both stacks and removes the certificates.
 */
public final class TwoNodes implements AutoCloseable {
    private static final String PKI_PASSWORD = "pki-password-for-two-nodes";

    private final Path pki;
    private final StackProcess first;
    private final StackProcess second;
    private final int secondTlsPort;

    private TwoNodes(Path pki, StackProcess first, StackProcess second, int secondTlsPort) {
        this.pki = pki;
        this.first = first;
        this.second = second;
        this.secondTlsPort = secondTlsPort;
    }

    /**
     * Starts both nodes and the API. {@code first} is the first stack's builder (admin, quota, name
     * already set by the caller); its API is told the node settings and {@code nodeLostAfterSeconds}.
     */
    public static TwoNodes start(StackProcess.Builder first, int nodeLostAfterSeconds) throws IOException, InterruptedException {
        return start(first, nodeLostAfterSeconds, second -> { });
    }

    /** As {@link #start(StackProcess.Builder, int)}, with more settings of the second node's stack. */
    public static TwoNodes start(StackProcess.Builder first, int nodeLostAfterSeconds, Consumer<StackProcess.Builder> secondSettings)
            throws IOException, InterruptedException {
        Path pki = Files.createTempDirectory("berth-e2e-pki-");
        StackProcess second = null;
        try {
            pki(pki, "ca");
            pki(pki, "node", "node2", "--ip", "127.0.0.1");
            pki(pki, "client", "api");
            int secondTlsPort = StackProcess.freeLoopbackPort();
            StackProcess.Builder secondBuilder = StackProcess.builder().name("node2");
            secondSettings.accept(secondBuilder);
            second = secondBuilder
                    .withoutApi()
                    .hostdConfig("hostd-node.yml")
                    .hostdEnvironment("BERTH_HOSTD_TLS_PORT", Integer.toString(secondTlsPort))
                    .hostdEnvironment("BERTH_HOSTD_NODE_KEYSTORE", pki.resolve("node-node2.p12").toString())
                    .hostdEnvironment("BERTH_HOSTD_TRUSTSTORE", pki.resolve("trust.p12").toString())
                    .hostdEnvironment("BERTH_PKI_PASSWORD", PKI_PASSWORD)
                    .build()
                    .start();
            StackProcess started = first
                    .apiHostSettings("""
                            nodeName: node1
                            nodeLostAfterSeconds: %d
                            drainGraceSeconds: 3
                            keyStorePath: %s
                            keyStorePassword: %s
                            trustStorePath: %s
                            trustStorePassword: %s
                            """.formatted(nodeLostAfterSeconds, pki.resolve("client-api.p12"), PKI_PASSWORD, pki.resolve("trust.p12"),
                            PKI_PASSWORD))
                    .build()
                    .start();
            return new TwoNodes(pki, started, second, secondTlsPort);
        } catch (IOException | InterruptedException | RuntimeException failure) {
            if (second != null) {
                second.close();
            }
            deleteTree(pki);
            throw failure;
        }
    }

    public StackProcess first() {
        return first;
    }

    public StackProcess second() {
        return second;
    }

    /** Registers the second node through the API with a join token an admin makes; returns the join's answer. */
    public ApiCalls.Answer join(String adminToken, int capacitySites) {
        String token = first.calls().json("POST", "/admin/nodes/join-tokens", adminToken, "{}").json().get("token").asText();
        return first.calls().json("POST", "/nodes/join", null, "{\"token\":\"" + token + "\",\"name\":\"node2\",\"url\":\"https://127.0.0.1:"
                + secondTlsPort + "\",\"capacitySites\":" + capacitySites + "}");
    }

    /**
     * Joins the second node with {@code hostd join} run on it, as its operator would: the token an
     * admin makes, in {@code BERTH_JOIN_TOKEN}; the addresses from the node's own configuration.
     */
    public StackProcess.CommandResult joinWithCommand(String adminToken, int capacitySites) throws IOException, InterruptedException {
        String token = first.calls().json("POST", "/admin/nodes/join-tokens", adminToken, "{}").json().get("token").asText();
        return second.hostdCommand(List.of("join", "--api", first.api().baseUri(), "--name", "node2",
                "--url", "https://127.0.0.1:" + secondTlsPort, "--capacity-sites", Integer.toString(capacitySites)),
                Map.of("BERTH_JOIN_TOKEN", token, "BERTH_PKI_PASSWORD", PKI_PASSWORD));
    }

    /** Each site's node name, from the admin site list. */
    public Map<String, String> nodeOfSites(String adminToken) {
        Map<String, String> found = new HashMap<>();
        String cursor = null;
        do {
            ApiCalls.Answer page = first.calls().get("/admin/sites?limit=200" + (cursor == null ? "" : "&cursor=" + cursor), adminToken);
            page.json().get("items").forEach(site -> found.put(site.get("name").asText(), site.get("node").asText()));
            cursor = page.json().hasNonNull("nextCursor") ? page.json().get("nextCursor").asText() : null;
        } while (cursor != null);
        return found;
    }

    /** The second machine is lost: its hostd, nginx, containers, bridge and disk are gone. */
    public void loseSecond() {
        second.close();
    }

    @Override
    public void close() throws IOException {
        first.close();
        second.close();
        deleteTree(pki);
    }

    private static void pki(Path directory, String... arguments) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("berth.hostd.jar", "../hostd/target/berth-hostd-0.1.0-SNAPSHOT-all.jar"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toAbsolutePath().toString(), "pki"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--dir", directory.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BERTH_PKI_PASSWORD", PKI_PASSWORD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("hostd pki " + String.join(" ", arguments) + " failed: " + output);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
