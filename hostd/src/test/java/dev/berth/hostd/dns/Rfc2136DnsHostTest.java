package dev.berth.hostd.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.NamedServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** The rfc2136 provider against a real BIND named on a loopback high port. */
@Tag("host")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Rfc2136DnsHostTest {
    private static final List<InetAddress> PUBLIC = List.of(address("192.0.2.10"), address("2001:db8::10"));
    private static final List<InetAddress> OTHER_NODE = List.of(address("192.0.2.20"), address("2001:db8::20"));
    private static final Claim ANY_CLAIM = new Claim(UUID.randomUUID(), 1);
    private NamedServer named;

    @TempDir
    Path state;

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @BeforeAll
    void startNamed() throws Exception {
        boolean ready = NamedServer.available();
        if (System.getenv("BERTH_REQUIRE_HOST_TESTS") == null) {
            assumeTrue(ready, "/usr/sbin/named (bind9) is not installed");
        }
        named = new NamedServer();
        named.start();
    }

    @AfterAll
    void stopNamed() throws Exception {
        if (named != null) {
            named.close();
        }
    }

    private SiteSpec spec(UUID siteId, String... hostnames) {
        return spec(siteId, 1, hostnames);
    }

    private SiteSpec spec(UUID siteId, long generation, String... hostnames) {
        return new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of(hostnames), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, generation);
    }

    @Test
    void aMovedSitesRecordsFollowItToItsNewNodeAndTheOldNodeNeverTakesThemBack() throws Exception {
        Rfc2136Dns dns = TestDns.provider(named, 1);
        SiteRecords oldNode = new SiteRecords(dns, PUBLIC, state.resolve("old-node"));
        SiteRecords newNode = new SiteRecords(dns, OTHER_NODE, state.resolve("new-node"));
        UUID siteId = UUID.randomUUID();
        oldNode.ensure(spec(siteId, 4, "moved.example.test"));
        assertThat(named.answers("moved.example.test", Type.A)).containsExactly("192.0.2.10");
        assertThat(named.answers("_berth.moved.example.test", Type.TXT)).containsExactly("\"berth site=" + siteId + " generation=4\"");

        // The site is placed on the other node (lost or drained): a new generation, whose node takes the name over.
        newNode.ensure(spec(siteId, 5, "moved.example.test"));
        assertThat(named.answers("moved.example.test", Type.A)).containsExactly("192.0.2.20");
        assertThat(named.answers("moved.example.test", Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:20");

        // The old node still holds its copy (a drain's handover, a lost node back before it is fenced) and converges it
        // again: the newer placement keeps the name.
        oldNode.ensure(spec(siteId, 4, "moved.example.test"));
        assertThat(named.answers("moved.example.test", Type.A)).containsExactly("192.0.2.20");

        // The old node removes its copy: the new node's records stay.
        oldNode.remove(siteId);
        assertThat(named.answers("moved.example.test", Type.A)).containsExactly("192.0.2.20");
        assertThat(named.answers("moved.example.test", Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:20");

        // Another site never takes the name over, whatever its generation.
        SiteRecords thirdSite = new SiteRecords(dns, PUBLIC, state.resolve("third"));
        UUID otherSite = UUID.randomUUID();
        assertThatThrownBy(() -> thirdSite.ensure(spec(otherSite, 99, "moved.example.test")))
                .isInstanceOfSatisfying(DnsException.class, e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.FOREIGN_RECORDS));
        assertThat(named.answers("moved.example.test", Type.A)).containsExactly("192.0.2.20");

        // Deleted on the node it lives on: the records and their marker are gone.
        newNode.remove(siteId);
        assertThat(named.answers("moved.example.test", Type.A)).isEmpty();
        assertThat(named.answers("moved.example.test", Type.AAAA)).isEmpty();
        assertThat(named.answers("_berth.moved.example.test", Type.TXT)).isEmpty();
    }

    @Test
    void namesPublishedBeforeOwnerMarkersGetTheirsOnceSoThatAMoveCanTakeThemOver() throws Exception {
        // What an earlier hostd left: the records and a state file naming them, without markers.
        UUID siteId = UUID.randomUUID();
        named.nsupdateAddresses("legacy.example.test", "192.0.2.10", "2001:db8::10");
        Path oldState = state.resolve("legacy-old");
        java.nio.file.Files.createDirectories(oldState);
        java.nio.file.Files.writeString(oldState.resolve(siteId + ".names"), "legacy.example.test\n");
        Rfc2136Dns dns = TestDns.provider(named, 1);
        SiteRecords oldNode = new SiteRecords(dns, PUBLIC, oldState);

        oldNode.ensure(spec(siteId, 3, "legacy.example.test"));
        assertThat(named.answers("_berth.legacy.example.test", Type.TXT)).containsExactly("\"berth site=" + siteId + " generation=3\"");
        assertThat(java.nio.file.Files.readAllLines(oldState.resolve(siteId + ".names")))
                .containsExactly(SiteRecords.MARKED, "legacy.example.test");
        long serial = serial();
        oldNode.ensure(spec(siteId, 3, "legacy.example.test"));
        assertThat(serial()).as("marked once, then no update").isEqualTo(serial);

        new SiteRecords(dns, OTHER_NODE, state.resolve("legacy-new")).ensure(spec(siteId, 4, "legacy.example.test"));
        assertThat(named.answers("legacy.example.test", Type.A)).containsExactly("192.0.2.20");
        oldNode.remove(siteId);
        assertThat(named.answers("legacy.example.test", Type.A)).containsExactly("192.0.2.20");
        named.nsupdate("update delete legacy.example.test A", "update delete legacy.example.test AAAA",
                "update delete _berth.legacy.example.test TXT");
    }

    @Test
    void aSiteMovedBackToItsFirstNodeTakesItsNameBackFromTheSecond() throws Exception {
        Rfc2136Dns dns = TestDns.provider(named, 1);
        SiteRecords first = new SiteRecords(dns, PUBLIC, state.resolve("first"));
        SiteRecords second = new SiteRecords(dns, OTHER_NODE, state.resolve("second"));
        UUID siteId = UUID.randomUUID();
        first.ensure(spec(siteId, 1, "back.example.test"));
        second.ensure(spec(siteId, 2, "back.example.test"));
        first.remove(siteId);
        first.ensure(spec(siteId, 3, "back.example.test"));
        assertThat(named.answers("back.example.test", Type.A)).containsExactly("192.0.2.10");
        second.remove(siteId);
        assertThat(named.answers("back.example.test", Type.A)).containsExactly("192.0.2.10");
        first.remove(siteId);
        assertThat(named.answers("back.example.test", Type.A)).isEmpty();
    }

    @Test
    void aDeletedSitesRetriedRemovalLeavesTheRecordsOfASiteOfTheSameNameCreatedSinceOnThisNode() throws Exception {
        SiteRecords node = new SiteRecords(TestDns.provider(named, 1), PUBLIC, state.resolve("same-node"));
        UUID deleted = UUID.randomUUID();
        node.ensure(spec(deleted, "reused.example.test"));
        // The deleted site's records went, but hostd died before it forgot them (its state file stays).
        named.nsupdate("update delete reused.example.test A", "update delete reused.example.test AAAA",
                "update delete _berth.reused.example.test TXT");
        UUID created = UUID.randomUUID();
        node.ensure(spec(created, "reused.example.test"));

        // The same addresses (this node's), another site's marker: the retried removal leaves them.
        node.remove(deleted);
        assertThat(named.answers("reused.example.test", Type.A)).containsExactly("192.0.2.10");
        assertThat(named.answers("_berth.reused.example.test", Type.TXT)).containsExactly("\"berth site=" + created + " generation=1\"");

        node.remove(created);
        assertThat(named.answers("reused.example.test", Type.A)).isEmpty();
        assertThat(named.answers("_berth.reused.example.test", Type.TXT)).isEmpty();
    }

    @Test
    void aSitesRecordsAnswerRightAfterCreationAndAreGoneAfterDelete() throws Exception {
        SiteRecords records = new SiteRecords(TestDns.provider(named, 1), PUBLIC, state);
        UUID siteId = UUID.randomUUID();
        records.ensure(spec(siteId, "alpha.example.test", "alpha.localhost"));

        assertThat(named.answers("alpha.example.test", Type.A)).containsExactly("192.0.2.10");
        assertThat(named.answers("alpha.example.test", Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:10");
        assertThat(records.sites()).contains(siteId);
        assertThat(dig("alpha.example.test", "AAAA")).isEqualTo("2001:db8::10");

        records.remove(siteId);
        assertThat(named.answers("alpha.example.test", Type.A)).isEmpty();
        assertThat(named.answers("alpha.example.test", Type.AAAA)).isEmpty();
        assertThat(records.sites()).doesNotContain(siteId);
        records.remove(siteId);
    }

    @Test
    void ensuringTwiceSendsNoSecondUpdateAndDriftedRecordsAreReasserted() throws Exception {
        Rfc2136Dns dns = TestDns.provider(named, 1);
        SiteRecords records = new SiteRecords(dns, PUBLIC, state);
        UUID siteId = UUID.randomUUID();
        records.ensure(spec(siteId, "drift.example.test"));
        long serial = serial();
        records.ensure(spec(siteId, "drift.example.test"));
        assertThat(serial()).isEqualTo(serial);

        // Someone edits the zone by hand: the next convergence puts the platform's addresses back.
        named.nsupdate("update delete drift.example.test A", "update delete drift.example.test AAAA",
                "update add drift.example.test 60 A 198.51.100.7");
        assertThat(named.answers("drift.example.test", Type.A)).containsExactly("198.51.100.7");
        records.ensure(spec(siteId, "drift.example.test"));
        assertThat(named.answers("drift.example.test", Type.A)).containsExactly("192.0.2.10");
        assertThat(named.answers("drift.example.test", Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:10");

        // A hostname dropped from the spec loses its records.
        records.ensure(spec(siteId, "drift2.example.test"));
        assertThat(named.answers("drift.example.test", Type.A)).isEmpty();
        assertThat(named.answers("drift2.example.test", Type.A)).containsExactly("192.0.2.10");
        records.remove(siteId);
        assertThat(named.answers("drift2.example.test", Type.A)).isEmpty();
    }

    @Test
    void recordSetsHostdDidNotCreateAreNeitherOverwrittenNorDeleted() throws Exception {
        // The operator's own records, in the zone before any site claims their names.
        named.nsupdateAddresses("taken.example.test", "198.51.100.9", "2001:db8::99");
        named.nsupdate("update add alias.example.test 60 CNAME elsewhere.example.net.");
        SiteRecords records = new SiteRecords(TestDns.provider(named, 1), PUBLIC, state);
        UUID siteId = UUID.randomUUID();
        SiteSpec spec = spec(siteId, "taken.example.test", "alias.example.test", "mine.example.test");
        assertThatThrownBy(() -> records.ensure(spec))
                .isInstanceOfSatisfying(DnsException.class, e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.FOREIGN_RECORDS))
                .hasMessageContaining("taken.example.test, alias.example.test already has A, AAAA or CNAME records that hostd did not"
                        + " create");
        assertThat(named.answers("taken.example.test", Type.A)).containsExactly("198.51.100.9");
        assertThat(named.answers("taken.example.test", Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:99");
        assertThat(named.answers("alias.example.test", Type.CNAME)).containsExactly("elsewhere.example.net.");
        // The site's other name is published all the same.
        assertThat(named.answers("mine.example.test", Type.A)).containsExactly("192.0.2.10");
        // Again on the next pass: still refused, still untouched.
        assertThatThrownBy(() -> records.ensure(spec)).isInstanceOf(DnsException.class);
        assertThat(named.answers("taken.example.test", Type.A)).containsExactly("198.51.100.9");

        // The site goes: its own name loses its records, the operator's keep theirs.
        records.remove(siteId);
        assertThat(named.answers("mine.example.test", Type.A)).isEmpty();
        assertThat(named.answers("taken.example.test", Type.A)).containsExactly("198.51.100.9");
        assertThat(named.answers("alias.example.test", Type.CNAME)).containsExactly("elsewhere.example.net.");

        // Once the operator removed theirs, a site gets the name, and hostd owns what it created.
        named.nsupdate("update delete taken.example.test A", "update delete taken.example.test AAAA");
        UUID later = UUID.randomUUID();
        records.ensure(spec(later, "taken.example.test"));
        assertThat(named.answers("taken.example.test", Type.A)).containsExactly("192.0.2.10");
        records.remove(later);
        assertThat(named.answers("taken.example.test", Type.A)).isEmpty();
        named.nsupdate("update delete alias.example.test CNAME");
    }

    /** What {@code dig @127.0.0.1 -p PORT +short NAME TYPE} prints (the acceptance check of the issue). */
    private String dig(String name, String type) throws Exception {
        Process dig = new ProcessBuilder("dig", "@127.0.0.1", "-p", Integer.toString(named.port), "+short", name, type)
                .redirectErrorStream(true).start();
        String output = new String(dig.getInputStream().readAllBytes()).strip();
        dig.waitFor(10, TimeUnit.SECONDS);
        return output;
    }

    private long serial() throws Exception {
        return Long.parseLong(named.answers(NamedServer.ZONE, Type.SOA).get(0).split(" ")[2]);
    }

    @Test
    void txtValuesAreAddedAndRemovedOneByOne() throws Exception {
        Rfc2136Dns dns = TestDns.provider(named, 1);
        dns.addTxt("_acme-challenge.example.test", "first");
        dns.addTxt("_acme-challenge.example.test", "second");
        assertThat(named.answers("_acme-challenge.example.test", Type.TXT)).containsExactly("\"first\"", "\"second\"");
        dns.removeTxt("_acme-challenge.example.test", "first");
        assertThat(named.answers("_acme-challenge.example.test", Type.TXT)).containsExactly("\"second\"");
        dns.removeTxt("_acme-challenge.example.test", "second");
        dns.removeTxt("_acme-challenge.example.test", "second");
        assertThat(named.answers("_acme-challenge.example.test", Type.TXT)).isEmpty();
    }

    @Test
    void aWrongKeyIsRefusedAndReportedWithoutRetrying() throws Exception {
        String wrong = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        Rfc2136Dns dns = TestDns.provider(named, wrong, 5);
        long start = System.nanoTime();
        assertThatThrownBy(() -> dns.replaceAddresses("wrongkey.example.test", PUBLIC, ANY_CLAIM, Optional.empty()))
                .isInstanceOfSatisfying(DnsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(DnsException.Kind.NOT_AUTHORIZED);
                    assertThat(e.getMessage()).contains("berth-test");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(named.answers("wrongkey.example.test", Type.A)).isEmpty();
    }

    @Test
    void anUpdateTheZonePolicyForbidsIsRefused() throws Exception {
        Rfc2136Dns locked = new Rfc2136Dns(new Rfc2136Dns.Settings(new InetSocketAddress("127.0.0.1", named.port),
                NamedServer.LOCKED_ZONE, NamedServer.KEY_NAME, "hmac-sha256", named.secret, 60, Duration.ofSeconds(2), 3,
                Duration.ofMillis(50)));
        assertThatThrownBy(() -> locked.replaceAddresses("x.locked.test", PUBLIC, ANY_CLAIM, Optional.empty()))
                .isInstanceOfSatisfying(DnsException.class, e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.REFUSED));
    }

    @Test
    void aNameOutsideTheZoneIsRejectedBeforeAnythingIsSent() {
        assertThat(TestDns.provider(named, 1).manages("alpha.localhost")).isFalse();
        assertThatThrownBy(() -> TestDns.provider(named, 1).replaceAddresses("alpha.localhost", PUBLIC, ANY_CLAIM, Optional.empty()))
                .isInstanceOfSatisfying(DnsException.class, e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.REJECTED));
    }

    @Test
    void namedDownIsReportedAsUnreachableThenRetriedWithBackoffUntilItIsBack() throws Exception {
        named.stop();
        try {
            assertThatThrownBy(() -> TestDns.provider(named, 1).replaceAddresses("down.example.test", PUBLIC, ANY_CLAIM, Optional.empty()))
                    .isInstanceOfSatisfying(DnsException.class, e -> {
                        assertThat(e.kind()).isEqualTo(DnsException.Kind.UNREACHABLE);
                        assertThat(e.kind().retryable()).isTrue();
                    });
            // Back after ~700 ms: attempts at 0, 100, 300, 700, 1500 ms reach it.
            Thread restarter = new Thread(() -> {
                try {
                    Thread.sleep(700);
                    named.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            restarter.start();
            TestDns.provider(named, 8).replaceAddresses("down.example.test", PUBLIC, ANY_CLAIM, Optional.empty());
            restarter.join();
            assertThat(named.answers("down.example.test", Type.A)).containsExactly("192.0.2.10");
        } finally {
            named.start();
        }
    }

    @Test
    void aServerThatNeverAnswersIsATimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // test over
                }
            });
            acceptor.start();
            Rfc2136Dns dns = new Rfc2136Dns(new Rfc2136Dns.Settings(new InetSocketAddress("127.0.0.1", silent.getLocalPort()),
                    NamedServer.ZONE, NamedServer.KEY_NAME, "hmac-sha256", named.secret, 60, Duration.ofMillis(300), 2,
                    Duration.ofMillis(50)));
            assertThatThrownBy(() -> dns.replaceAddresses("slow.example.test", PUBLIC, ANY_CLAIM, Optional.empty()))
                    .isInstanceOfSatisfying(DnsException.class, e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.TIMEOUT));
            silent.close();
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void anUnsignedReplyIsNotTrusted() throws Exception {
        // A server that answers every message with NOERROR and no TSIG, as a spoofer on the path would.
        try (ServerSocket forger = new ServerSocket()) {
            forger.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread server = new Thread(() -> {
                try (Socket socket = forger.accept()) {
                    InputStream in = socket.getInputStream();
                    int length = (in.read() << 8) | in.read();
                    byte[] query = in.readNBytes(length);
                    org.xbill.DNS.Message message = new org.xbill.DNS.Message(query);
                    org.xbill.DNS.Message reply = new org.xbill.DNS.Message(message.getHeader().getID());
                    reply.getHeader().setOpcode(message.getHeader().getOpcode());
                    reply.getHeader().setFlag(org.xbill.DNS.Flags.QR);
                    byte[] wire = reply.toWire();
                    OutputStream out = socket.getOutputStream();
                    out.write(new byte[] {(byte) (wire.length >> 8), (byte) wire.length});
                    out.write(wire);
                    out.flush();
                    Thread.sleep(200);
                } catch (Exception e) {
                    // test over
                }
            });
            server.start();
            Rfc2136Dns dns = new Rfc2136Dns(new Rfc2136Dns.Settings(new InetSocketAddress("127.0.0.1", forger.getLocalPort()),
                    NamedServer.ZONE, NamedServer.KEY_NAME, "hmac-sha256", named.secret, 60, Duration.ofSeconds(2), 1,
                    Duration.ofMillis(50)));
            assertThatThrownBy(() -> dns.replaceAddresses("forged.example.test", PUBLIC, ANY_CLAIM, Optional.empty()))
                    .isInstanceOfSatisfying(DnsException.class,
                            e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.UNVERIFIED_REPLY));
            server.join(5000);
        }
    }
}
