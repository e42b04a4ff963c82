package dev.berth.hostd.proxy;

import dev.berth.testkit.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What nginx proxies to in the proxy's host tests: the host's lighttpd serving {@code documentRoot}
 * on {@code address}:80 inside a network namespace the test creates, reached over a veth pair and a
 * private /30 ({@code hostAddress} on the host's side). Closing removes all of it.
 */
public final class StandInSite implements AutoCloseable {
    private final String namespace;
    private final String hostSide;
    private final Process server;

    public StandInSite(String namespace, String hostSide, String hostAddress, String address, Path documentRoot,
                       Path workDirectory) throws IOException {
        this.namespace = namespace;
        this.hostSide = hostSide;
        String nsSide = hostSide + "n";
        Commands.run(List.of("ip", "netns", "add", namespace));
        try {
            Commands.run(List.of("ip", "link", "add", hostSide, "type", "veth", "peer", "name", nsSide));
            Commands.run(List.of("ip", "link", "set", nsSide, "netns", namespace));
            Commands.run(List.of("ip", "addr", "add", hostAddress + "/30", "dev", hostSide));
            Commands.run(List.of("ip", "link", "set", hostSide, "up"));
            Commands.run(List.of("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"));
            Commands.run(List.of("ip", "netns", "exec", namespace, "ip", "addr", "add", address + "/30", "dev", nsSide));
            Commands.run(List.of("ip", "netns", "exec", namespace, "ip", "link", "set", nsSide, "up"));
            Path serverConfig = workDirectory.resolve(namespace + "-lighttpd.conf");
            Files.writeString(serverConfig, """
                    server.compat-module-load = "disable"
                    server.modules = ( "mod_indexfile", "mod_staticfile" )
                    server.document-root = "%s"
                    server.bind = "%s"
                    server.port = 80
                    index-file.names = ( "index.html" )
                    """.formatted(documentRoot, address));
            server = new ProcessBuilder("ip", "netns", "exec", namespace, "/usr/sbin/lighttpd", "-D", "-f", serverConfig.toString())
                    .redirectErrorStream(true).redirectOutput(workDirectory.resolve(namespace + "-httpd.log").toFile()).start();
        } catch (IOException | RuntimeException e) {
            removeNetwork();
            throw e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.destroy();
        server.waitFor(5, TimeUnit.SECONDS);
        removeNetwork();
    }

    private void removeNetwork() {
        Commands.exitCode(List.of("ip", "link", "del", hostSide));
        Commands.exitCode(List.of("ip", "netns", "del", namespace));
    }
}
