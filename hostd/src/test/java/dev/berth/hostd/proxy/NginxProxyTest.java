package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's change protocol with a fake nginx binary and a fake route table endpoint (no nginx,
 * no root). Files change only for certificates (one file each), never for sites.
 */
class NginxProxyTest {
    @TempDir
    Path directory;
    private final List<FakeRouteEndpoint> endpoints = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeEndpoints() throws Exception {
        for (FakeRouteEndpoint endpoint : endpoints) {
            endpoint.close();
        }
    }

    /** A system-nginx proxy (no own instance) with HTTPS, its route endpoint faked; an earlier layout's snippets in {@code berth-tls}. */
    private NginxProxy tlsProxy(FakeNginx nginx, String binary, Path prefix, Path sites, List<String> listen) {
        HttpsSettings https = new HttpsSettings(List.of("443"), 0, null, prefix.resolve("berth-tls"));
        NginxProxy proxy = new NginxProxy(nginx, binary, prefix, false, sites, listen, "www-data", https,
                prefix.resolve("admin"), address -> true);
        try {
            endpoints.add(new FakeRouteEndpoint(proxy.routes().socket()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return proxy;
    }

    /** Records commands; "nginx -t" fails while {@code rejecting} is set. */
    static final class FakeNginx implements CommandRunner {
        final List<List<String>> commands = java.util.Collections.synchronizedList(new ArrayList<>());
        boolean rejecting;
        Runnable onReload = () -> { };

        @Override
        public CommandResult run(List<String> argv, Map<String, String> environment, byte[] stdin, Duration timeout) {
            commands.add(argv);
            if (argv.contains("reload") || argv.contains("-HUP")) {
                onReload.run();
            }
            if (argv.contains("-t") && rejecting) {
                return new CommandResult(1, "", "nginx: [emerg] something is wrong\nnginx: configuration file test failed");
            }
            return new CommandResult(0, "", "");
        }
    }

    private SiteSpec spec(UUID siteId, long generation) {
        return new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, generation);
    }

    /** {@link #tlsProxy} on {@code DIR/sites} where no system nginx's master is known: reloads are `nginx -s reload`. */
    private NginxProxy withoutSystemMaster(FakeNginx nginx) {
        NginxProxy proxy = tlsProxy(nginx, "nginx", directory, directory.resolve("sites"), List.of("80"));
        proxy.systemPidFile = directory.resolve("no-system-nginx.pid");
        return proxy;
    }

    private static final List<String> WILDCARD = List.of("*.example.test", "example.test");

    /** Installs certificate {@code name} for the wildcard from files of version {@code version}. */
    private void install(NginxProxy proxy, String name, int version) throws HostOperationException {
        proxy.installCertificate(name, WILDCARD, directory.resolve("tls/" + name + "/v" + version + "/fullchain.pem"),
                directory.resolve("tls/" + name + "/v" + version + "/privkey.pem"));
    }

    private static boolean tests(List<String> argv) {
        return argv.contains("-t");
    }

    private static boolean reloads(List<String> argv) {
        return argv.contains("reload") || argv.contains("-HUP");
    }

    @Test
    void aRejectedCertificateRestoresThePreviousFileAndIsNotReloaded() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        NginxProxy proxy = withoutSystemMaster(nginx);
        install(proxy, "wildcard", 1);
        String before = Files.readString(sites.resolve("tls-wildcard.conf"));

        nginx.rejecting = true;
        nginx.commands.clear();
        assertThatThrownBy(() -> install(proxy, "wildcard", 2))
                .isInstanceOf(HostOperationException.class).hasMessageContaining("configuration file test failed");

        assertThat(Files.readString(sites.resolve("tls-wildcard.conf"))).isEqualTo(before).contains("/v1/fullchain.pem");
        assertThat(nginx.commands).anyMatch(NginxProxyTest::tests).noneMatch(NginxProxyTest::reloads);
    }

    @Test
    void aRejectedNewCertificateLeavesNoFile() {
        FakeNginx nginx = new FakeNginx();
        nginx.rejecting = true;
        Path sites = directory.resolve("sites");
        NginxProxy proxy = withoutSystemMaster(nginx);
        assertThatThrownBy(() -> install(proxy, "wildcard", 1)).isInstanceOf(HostOperationException.class);
        assertThat(sites.resolve("tls-wildcard.conf")).doesNotExist();
    }

    @Test
    void anUnchangedCertificateIsNeitherTestedNorReloaded() throws Exception {
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = withoutSystemMaster(nginx);
        install(proxy, "wildcard", 1);
        nginx.commands.clear();
        install(proxy, "wildcard", 1);
        assertThat(nginx.commands).isEmpty();
    }

    @Test
    void aCertificatesInvalidValuesAreRefusedBeforeAnythingIsWritten() {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        NginxProxy proxy = tlsProxy(nginx, "nginx", directory, sites, List.of("80"));
        assertThatThrownBy(() -> proxy.installCertificate("wildcard", List.of("*.example.test; include /etc/passwd"),
                directory.resolve("fullchain.pem"), directory.resolve("privkey.pem")))
                .isInstanceOf(HostOperationException.class).hasMessageContaining("lower-case hostnames");
        assertThatThrownBy(() -> proxy.removeCertificate("../00-berth-shared")).isInstanceOf(HostOperationException.class);
        assertThat(sites).doesNotExist();
        assertThat(nginx.commands).isEmpty();
        NginxProxy withoutHttps = new NginxProxy(nginx, "nginx", directory, false, sites, List.of("80"), "www-data");
        assertThatThrownBy(() -> install(withoutHttps, "wildcard", 1)).isInstanceOf(HostOperationException.class)
                .hasMessageContaining("HTTPS is not configured");
    }

    @Test
    void aRemovedCertificatesFileGoesWithATestAndAReloadAndARejectedRemovalPutsItBack() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        NginxProxy proxy = withoutSystemMaster(nginx);
        install(proxy, "custom.www.alpha.org", 1);
        String before = Files.readString(sites.resolve("tls-custom.www.alpha.org.conf"));

        nginx.rejecting = true;
        nginx.commands.clear();
        assertThatThrownBy(() -> proxy.removeCertificate("custom.www.alpha.org")).isInstanceOf(HostOperationException.class);
        assertThat(Files.readString(sites.resolve("tls-custom.www.alpha.org.conf"))).isEqualTo(before);
        assertThat(nginx.commands).noneMatch(NginxProxyTest::reloads);

        nginx.rejecting = false;
        nginx.commands.clear();
        proxy.removeCertificate("custom.www.alpha.org");
        assertThat(sites.resolve("tls-custom.www.alpha.org.conf")).doesNotExist();
        assertThat(nginx.commands).anyMatch(NginxProxyTest::tests).anyMatch(NginxProxyTest::reloads);

        nginx.commands.clear();
        proxy.removeCertificate("custom.www.alpha.org");
        assertThat(nginx.commands).isEmpty();
    }

    @Test
    void onlyTheFilesOfCertificatesNoLongerKeptAreRemovedAndNoFileHostdDidNotWrite() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        NginxProxy proxy = withoutSystemMaster(nginx);
        proxy.start();
        install(proxy, "platform", 1);
        install(proxy, "custom.www.alpha.org", 1);
        nginx.commands.clear();

        Files.writeString(sites.resolve("tls-somebody-else.conf"), "# not hostd's\n");
        proxy.retainCertificates(java.util.Set.of("platform", "custom.www.beta.org"));
        assertThat(sites.resolve("tls-platform.conf")).exists();
        assertThat(sites.resolve("tls-custom.www.alpha.org.conf")).doesNotExist();
        assertThat(sites.resolve("tls-somebody-else.conf")).exists();
        assertThat(sites.resolve(NginxProxy.SHARED_FILE)).exists();
        assertThat(nginx.commands.stream().filter(NginxProxyTest::reloads)).hasSize(1);
    }

    @Test
    void theStartRemovesTheFilesOfEarlierLayoutsAndNothingElse() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        Files.createDirectories(sites);
        UUID routedSite = UUID.randomUUID();
        UUID httpsSite = UUID.randomUUID();
        UUID foreign = UUID.randomUUID();
        Files.writeString(sites.resolve(routedSite + ".conf"), "# Managed by berth-hostd: site alpha\nserver {}\n");
        Files.writeString(sites.resolve(httpsSite + ".conf"), "# Managed by berth-hostd: HTTPS of site beta (" + httpsSite + ")\n"
                + "server {\n    include " + directory.resolve("berth-tls/platform.conf") + ";\n}\n");
        Files.writeString(sites.resolve(foreign + ".conf"), "# somebody else's\n");
        Path snippets = directory.resolve("berth-tls");
        Files.createDirectories(snippets);
        Files.writeString(snippets.resolve("platform.conf"), "# Managed by berth-hostd: certificate platform\nssl_certificate /x;\n");
        NginxProxy proxy = withoutSystemMaster(nginx);

        proxy.start();

        assertThat(sites.resolve(routedSite + ".conf")).doesNotExist();
        assertThat(sites.resolve(httpsSite + ".conf")).doesNotExist();
        assertThat(sites.resolve(foreign + ".conf")).exists();
        assertThat(snippets).doesNotExist();

        // A snippet directory holding something else stays, with that file.
        Files.createDirectories(snippets);
        Files.writeString(snippets.resolve("platform.conf"), "# Managed by berth-hostd: certificate platform\n");
        Files.writeString(snippets.resolve("notes.txt"), "mine\n");
        proxy.start();
        assertThat(snippets.resolve("platform.conf")).doesNotExist();
        assertThat(snippets.resolve("notes.txt")).exists();
    }

    @Test
    void withTheSystemNginxOnlyTheIncludeDirectoryIsWrittenAndTheSystemInstanceReloaded() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path include = directory.resolve("etc-nginx-berth");
        NginxProxy proxy = tlsProxy(nginx, "/usr/sbin/nginx", directory.resolve("state"), include,
                List.of("80", "[::]:80"));
        proxy.systemPidFile = directory.resolve("no-system-nginx.pid");
        proxy.start();
        install(proxy, "platform", 1);
        UUID siteId = UUID.randomUUID();
        proxy.apply(spec(siteId, 1), true);
        assertThat(include.resolve(NginxProxy.SHARED_FILE)).exists();
        assertThat(include.resolve("tls-platform.conf")).exists();
        assertThat(directory.resolve("state/conf/nginx.conf")).doesNotExist();
        assertThat(nginx.commands).contains(List.of("/usr/sbin/nginx", "-t", "-q"), List.of("/usr/sbin/nginx", "-s", "reload"));
        assertThat(proxy.configuredSites()).containsExactly(siteId);
    }

    @Test
    void aSiteIsARouteRecordOnlyAlsoUnderACertificateAndItsChangesNeitherTestNorReload() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, sites, List.of("80"), "www-data",
                new HttpsSettings(List.of("443"), 0, null, null), directory.resolve("admin"), address -> true);
        proxy.systemPidFile = directory.resolve("no-system-nginx.pid");
        FakeRouteEndpoint endpoint = new FakeRouteEndpoint(proxy.routes().socket());
        endpoints.add(endpoint);
        proxy.installCertificate("platform", List.of("*.localhost"), directory.resolve("fullchain.pem"),
                directory.resolve("privkey.pem"));
        nginx.commands.clear();
        UUID siteId = UUID.randomUUID();
        SiteSpec deployed = new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, "r2", 2);

        proxy.apply(spec(siteId, 1), true);
        proxy.apply(deployed, true);
        proxy.apply(deployed, false);
        proxy.remove(siteId);

        assertThat(nginx.commands).isEmpty();
        try (java.util.stream.Stream<Path> files = Files.list(sites)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactly("tls-platform.conf");
        }
        assertThat(endpoint.requests).containsExactly(
                "PUT /routes/" + siteId + " 3|" + siteId + "|serving|_welcome|10.1.1.5:80|[fd00::5]:80|alpha.localhost|||||",
                "PUT /routes/" + siteId + " 3|" + siteId + "|serving|r2|10.1.1.5:80|[fd00::5]:80|alpha.localhost|||||",
                "PUT /routes/" + siteId + " 3|" + siteId + "|stopped|r2|10.1.1.5:80|[fd00::5]:80|alpha.localhost|||||",
                "DELETE /routes/" + siteId + " ");
        assertThat(Files.readString(proxy.routes().snapshot())).isEqualTo("{\"version\":3,\"records\":[\n]}\n");
        assertThat(proxy.configuredSites()).isEmpty();
    }

    @Test
    void aRouteToAnAddressOffTheSiteBridgesIsRefusedBeforeAnythingIsWrittenOrSent() throws Exception {
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, directory.resolve("sites"), List.of("80"),
                "www-data", HttpsSettings.NONE, directory.resolve("admin"),
                address -> address.getHostAddress().startsWith("10.1.1."));
        FakeRouteEndpoint endpoint = new FakeRouteEndpoint(proxy.routes().socket());
        endpoints.add(endpoint);
        SiteSpec elsewhere = new SiteSpec(UUID.randomUUID(), "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "127.0.0.1",
                null, new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1);

        assertThatThrownBy(() -> proxy.apply(elsewhere, true)).isInstanceOf(HostOperationException.class)
                .hasMessageContaining("ipv4 must be a dotted-quad address on the host's site bridges");
        assertThat(endpoint.requests).isEmpty();
        assertThat(proxy.routes().snapshot()).doesNotExist();
        assertThat(nginx.commands).isEmpty();
    }

    @Test
    void aRecordTheTableRefusesFailsTheChangeAndIsSentAgainNextTime() throws Exception {
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, directory.resolve("sites"), List.of("80"), "www-data");
        FakeRouteEndpoint endpoint = new FakeRouteEndpoint(proxy.routes().socket());
        endpoints.add(endpoint);
        endpoint.answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 10\r\n\r\ntable full";
        UUID siteId = UUID.randomUUID();
        assertThatThrownBy(() -> proxy.apply(spec(siteId, 1), true)).isInstanceOf(HostOperationException.class)
                .hasMessageContaining("table full");
        endpoint.answer = FakeRouteEndpoint.NO_CONTENT;
        proxy.apply(spec(siteId, 1), true);
        assertThat(endpoint.requests).hasSize(2).allMatch(request -> request.startsWith("PUT /routes/" + siteId));
    }

    @Test
    void removingAMissingSiteSucceedsWithoutAReload() throws Exception {
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = withoutSystemMaster(nginx);
        proxy.remove(UUID.randomUUID());
        assertThat(nginx.commands).isEmpty();
    }

    /** The route table's admin endpoint as a test double: records "METHOD PATH BODY" and answers {@link #answer}. */
    static final class FakeRouteEndpoint implements AutoCloseable {
        static final String NO_CONTENT = "HTTP/1.1 204 No Content\r\n\r\n";
        final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile String answer = NO_CONTENT;
        private final java.nio.channels.ServerSocketChannel server;
        private final Thread thread;

        FakeRouteEndpoint(Path socket) throws java.io.IOException {
            Files.createDirectories(socket.getParent());
            server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            thread = new Thread(this::serve, "fake-route-endpoint");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            while (server.isOpen()) {
                try (java.nio.channels.SocketChannel client = server.accept()) {
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                            java.nio.channels.Channels.newInputStream(client), java.nio.charset.StandardCharsets.US_ASCII));
                    String[] requestLine = in.readLine().split(" ");
                    int length = 0;
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring("content-length:".length()).trim());
                        }
                    }
                    char[] body = new char[length];
                    for (int read = 0; read < length; ) {
                        read += in.read(body, read, length - read);
                    }
                    requests.add(requestLine[0] + " " + requestLine[1] + " " + new String(body));
                    client.write(java.nio.ByteBuffer.wrap(answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                } catch (java.io.IOException | RuntimeException e) {
                    if (!server.isOpen()) {
                        return;
                    }
                }
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(2000);
        }
    }

    /** A fake /proc/PID with the given parent and process title. */
    private static void process(Path proc, long pid, long parent, String title) throws Exception {
        Path entry = proc.resolve(Long.toString(pid));
        Files.createDirectories(entry);
        Files.writeString(entry.resolve("stat"), pid + " (nginx) S " + parent + " 1 1 0 -1 4194624 0 0 0 0\n");
        Files.writeString(entry.resolve("cmdline"), title + "\0");
    }

    /** A proxy on the system nginx whose master is {@code master}, seen through the fake {@code proc}. */
    private NginxProxy systemProxy(FakeNginx nginx, Path proc, long master) throws java.io.IOException {
        Files.writeString(directory.resolve("nginx.pid"), master + "\n");
        NginxProxy proxy = tlsProxy(nginx, "nginx", directory, directory.resolve("sites"), List.of("80"));
        proxy.systemPidFile = directory.resolve("nginx.pid");
        proxy.procRoot = proc;
        return proxy;
    }

    @Test
    void aReloadReturnsOnlyOnceTheOldWorkersStoppedAcceptingAndANewOneRuns() throws Exception {
        long master = ProcessHandle.current().pid();
        Path proc = directory.resolve("proc");
        process(proc, 1, 0, "/sbin/init");
        process(proc, 100, master, "nginx: worker process");
        process(proc, 200, 1, "nginx: worker process"); // another nginx's worker: not ours
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = systemProxy(nginx, proc, master);
        java.util.concurrent.atomic.AtomicLong switched = new java.util.concurrent.atomic.AtomicLong();
        nginx.onReload = () -> new Thread(() -> {
            try {
                Thread.sleep(150);
                process(proc, 101, master, "nginx: worker process");
                Thread.sleep(100);
                switched.set(System.nanoTime());
                Files.writeString(proc.resolve("100/cmdline"), "nginx: worker process is shutting down\0");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).start();

        install(proxy, "platform", 1);
        long returned = System.nanoTime();

        assertThat(switched.get()).isNotZero();
        assertThat(returned).isGreaterThanOrEqualTo(switched.get());
        assertThat(NginxWorkers.children(proc, master)).containsExactlyInAnyOrder(100L, 101L);
        // A known master gets the signal itself: no second parse of the configuration by `nginx -s reload`.
        assertThat(nginx.commands).contains(List.of("kill", "-HUP", Long.toString(master)))
                .noneMatch(argv -> argv.contains("reload"));
    }

    @Test
    void anotherCertificatesChangeIsTestedAndSignalledWhileTheFirstWaitsForItsOldWorkers() throws Exception {
        long master = ProcessHandle.current().pid();
        Path proc = directory.resolve("proc");
        process(proc, 100, master, "nginx: worker process");
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = systemProxy(nginx, proc, master);
        java.util.concurrent.atomic.AtomicInteger reloads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch firstLoaded = new java.util.concurrent.CountDownLatch(1);
        // Like nginx: new workers at once, the old ones told to quit only later (nginx waits 100 ms; here
        // the first reload's old worker quits only with the second reload).
        nginx.onReload = () -> {
            int reload = reloads.incrementAndGet();
            new Thread(() -> {
                try {
                    long worker = 100 + reload;
                    process(proc, worker, master, "nginx: worker process");
                    if (reload == 1) {
                        firstLoaded.countDown();
                        return; // its old worker is told to quit only with the next reload's
                    }
                    Thread.sleep(50);
                    for (long old = 100; old < worker; old++) {
                        Files.writeString(proc.resolve(old + "/cmdline"), "nginx: worker process is shutting down\0");
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).start();
        };
        java.util.concurrent.atomic.AtomicLong firstReturned = new java.util.concurrent.atomic.AtomicLong();
        long start = System.nanoTime();
        Thread first = new Thread(() -> {
            try {
                install(proxy, "first", 1);
                firstReturned.set(System.nanoTime());
            } catch (HostOperationException e) {
                throw new IllegalStateException(e);
            }
        });
        first.start();
        // The first change has been tested and signalled: the second comes while it waits for its old worker.
        assertThat(firstLoaded.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        install(proxy, "second", 1);
        long secondReturned = System.nanoTime();
        first.join(5000);

        assertThat(reloads.get()).isEqualTo(2);
        assertThat(firstReturned.get()).isNotZero();
        // The second change did not queue behind the first one's wait: it was signalled meanwhile,
        // and returned once the workers from before it (the first's new one too) had quit.
        assertThat(nginx.commands.stream().filter(argv -> argv.contains("-t"))).hasSize(2);
        assertThat(Math.abs(secondReturned - firstReturned.get())).isLessThan(Duration.ofMillis(300).toNanos());
        assertThat(Duration.ofNanos(firstReturned.get() - start)).isLessThan(NginxProxy.RELOAD_SETTLE.dividedBy(2));
    }

    @Test
    void aReloadWhoseWorkersNeverChangeReturnsAfterTheBound() throws Exception {
        long master = ProcessHandle.current().pid();
        Path proc = directory.resolve("proc");
        process(proc, 100, master, "nginx: worker process");
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = systemProxy(nginx, proc, master);
        long start = System.nanoTime();
        install(proxy, "platform", 1);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(NginxProxy.RELOAD_SETTLE).isLessThan(NginxProxy.RELOAD_SETTLE.plusSeconds(3));
    }

    @Test
    void workersAreTheMastersLiveChildrenAndAGoneOrShuttingDownWorkerNoLongerAccepts() throws Exception {
        Path proc = directory.resolve("proc");
        process(proc, 10, 1, "nginx: master process nginx");
        process(proc, 11, 10, "nginx: worker process");
        process(proc, 12, 10, "nginx: worker process is shutting down");
        Path zombie = proc.resolve("13");
        Files.createDirectories(zombie);
        Files.writeString(zombie.resolve("stat"), "13 (nginx) Z 10 1 1 0\n");
        Files.writeString(zombie.resolve("cmdline"), "");
        Files.createDirectories(proc.resolve("self"));
        assertThat(NginxWorkers.children(proc, 10)).containsExactlyInAnyOrder(11L, 12L);
        assertThat(NginxWorkers.stoppedAccepting(proc, 11)).isFalse();
        assertThat(NginxWorkers.stoppedAccepting(proc, 12)).isTrue();
        assertThat(NginxWorkers.stoppedAccepting(proc, 13)).isTrue();
        assertThat(NginxWorkers.stoppedAccepting(proc, 99)).isTrue();
        assertThat(NginxWorkers.reloaded(proc, 10, java.util.Set.of(11L))).isFalse();
        assertThat(NginxWorkers.reloaded(proc, 10, java.util.Set.of(12L))).isTrue();
    }
}
