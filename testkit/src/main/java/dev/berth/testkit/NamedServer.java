package dev.berth.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real BIND {@code named} on 127.0.0.1 at a free high port, in its own temporary directory, with
 * zone {@code example.test} accepting updates signed with a fresh hmac-sha256 key and zone
 * {@code locked.test} accepting none. For host tests and benchmarks only; {@link #close()} stops it
 * and removes the directory. Not thread-safe for start and stop; queries may come from any thread.
 */
public final class NamedServer implements AutoCloseable {
    public static final Path NAMED = Path.of("/usr/sbin/named");
    public static final Path NSUPDATE = Path.of("/usr/bin/nsupdate");
    public static final String ZONE = "example.test";
    public static final String LOCKED_ZONE = "locked.test";
    /**
     * A zone hostd does not manage, standing for a tenant's own domain: {@code www.custom.test} points at 127.0.0.1;
     * a test edits it as the tenant would ({@link #nsupdateZone}, e.g. the domain's proof).
     */
    public static final String CUSTOM_ZONE = "custom.test";
    public static final String KEY_NAME = "berth-test";

    public final Path directory;
    public final int port;
    public final String secret;
    private Process process;

    public NamedServer() throws IOException {
        this.directory = Files.createTempDirectory("berth-named-");
        this.port = freePort();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.secret = Base64.getEncoder().encodeToString(key);
        writeConfig();
    }

    public static boolean available() {
        return Files.isExecutable(NAMED);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.bind(new InetSocketAddress("127.0.0.1", 0));
                int candidate = tcp.getLocalPort();
                if (candidate < 10_000) {
                    continue;
                }
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", candidate))) {
                    return candidate;
                } catch (IOException taken) {
                    // UDP side in use: try another
                }
            }
        }
        throw new IOException("no free port for named");
    }

    private void writeConfig() throws IOException {
        String dir = directory.toAbsolutePath().toString();
        Files.writeString(directory.resolve("named.conf"), """
                options {
                    directory "%1$s";
                    pid-file "%1$s/named.pid";
                    session-keyfile "%1$s/session.key";
                    managed-keys-directory "%1$s";
                    listen-on port %2$d { 127.0.0.1; };
                    listen-on-v6 { none; };
                    recursion no;
                    dnssec-validation no;
                    notify no;
                    allow-transfer { none; };
                };
                controls { };
                key "%3$s" { algorithm hmac-sha256; secret "%4$s"; };
                zone "%5$s" { type primary; file "%1$s/%5$s.zone"; allow-update { key %3$s; }; };
                zone "%6$s" { type primary; file "%1$s/%6$s.zone"; allow-update { none; }; };
                zone "%7$s" { type primary; file "%1$s/%7$s.zone"; allow-update { key %3$s; }; };
                """.formatted(dir, port, KEY_NAME, secret, ZONE, LOCKED_ZONE, CUSTOM_ZONE));
        for (String zone : List.of(ZONE, LOCKED_ZONE, CUSTOM_ZONE)) {
            Files.writeString(directory.resolve(zone + ".zone"), """
                    $TTL 60
                    @ IN SOA ns.%1$s. hostmaster.%1$s. 1 3600 600 86400 60
                    @ IN NS ns.%1$s.
                    ns IN A 127.0.0.1
                    www IN A 127.0.0.1
                    """.formatted(zone));
        }
    }

    /** Starts named (again) and waits until it answers. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(NAMED.toString(), "-g", "-c", directory.resolve("named.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("named.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("named exited: " + Files.readString(directory.resolve("named.log")));
            }
            if (answers()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("named did not answer within 15 s: " + Files.readString(directory.resolve("named.log")));
    }

    private boolean answers() {
        try {
            Message reply = query("ns." + ZONE, Type.A);
            return reply.getRcode() == Rcode.NOERROR && reply.getSection(Section.ANSWER).size() == 1;
        } catch (IOException e) {
            return false;
        }
    }

    /** An unsigned UDP query, as any resolver on the Internet would ask. */
    public Message query(String name, int type) throws IOException {
        SimpleResolver resolver = new SimpleResolver(address());
        resolver.setTimeout(Duration.ofMillis(500));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN)));
    }

    /** The answer data of an unsigned query, e.g. {@code 192.0.2.1}, as text. */
    public List<String> answers(String name, int type) throws IOException {
        return query(name, type).getSection(Section.ANSWER).stream().map(Record::rdataToString).sorted().toList();
    }

    /**
     * Replaces the A and AAAA records of {@code name} (inside {@link #ZONE}) with a plain
     * {@code nsupdate -y} process, signed with the zone's key: the baseline the DNS benchmarks
     * compare hostd's own updates with. Returns once nsupdate exits.
     *
     * @throws IOException if nsupdate fails or does not finish within 10 s
     */
    public void nsupdateAddresses(String name, String ipv4, String ipv6) throws IOException, InterruptedException {
        nsupdate("update delete " + name + " A", "update delete " + name + " AAAA", "update add " + name + " 60 A " + ipv4,
                "update add " + name + " 60 AAAA " + ipv6);
    }

    /**
     * Sends {@code nsupdate} commands ({@code update add NAME TTL TYPE DATA} ...) to the zone as one
     * update, signed with the zone's key: what an operator editing the zone by hand does.
     *
     * @throws IOException if nsupdate fails or does not finish within 10 s
     */
    public void nsupdate(String... updates) throws IOException, InterruptedException {
        nsupdateZone(ZONE, updates);
    }

    /** As {@link #nsupdate}, to another zone of this server ({@link #CUSTOM_ZONE}: what a tenant does at its own DNS host). */
    public void nsupdateZone(String zone, String... updates) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(NSUPDATE.toString(), "-y", "hmac-sha256:" + KEY_NAME + ":" + secret)
                .redirectErrorStream(true).start();
        try (var in = process.getOutputStream()) {
            in.write(("server 127.0.0.1 " + port + "\nzone " + zone + "\n" + String.join("\n", updates) + "\nsend\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("nsupdate did not finish within 10 s: " + output);
        }
        if (process.exitValue() != 0) {
            throw new IOException("nsupdate failed (" + process.exitValue() + "): " + output);
        }
    }

    /** Stops named; the zone and its journal stay for a restart. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
