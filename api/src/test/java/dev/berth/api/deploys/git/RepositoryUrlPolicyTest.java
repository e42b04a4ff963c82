package dev.berth.api.deploys.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.outbound.RepositoryUrlRefusedException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RepositoryUrlPolicyTest {
    private static TrapServer trap;
    private FakeResolver resolver;
    private RepositoryUrlPolicy policy;

    @BeforeEach
    void startTrap() throws Exception {
        trap = new TrapServer();
        resolver = HostileRepositoryUrls.dns();
        policy = new RepositoryUrlPolicy(resolver, List.of(), false);
    }

    @AfterEach
    void stopTrap() throws Exception {
        trap.close();
    }

    static Stream<String> hostileUrls() {
        return HostileRepositoryUrls.all().stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileUrls")
    void hostileUrlsAreRefusedBeforeAnyConnection(String url) throws Exception {
        String target = url.replace(HostileRepositoryUrls.TRAP, Integer.toString(trap.port()));
        assertThatThrownBy(() -> policy.check(target)).isInstanceOf(RepositoryUrlRefusedException.class);
        PolicyHttpConnectionFactory connections = new PolicyHttpConnectionFactory(policy, 1000, Instant.MAX, Clock.systemUTC());
        if (target.startsWith("http")) {
            assertThatThrownBy(() -> connections.create(new URL(target)).connect()).isInstanceOf(RepositoryUrlRefusedException.class);
        }
        assertThat(trap.connections()).isZero();
    }

    @Test
    void thereAreAtLeastFifteenHostileUrls() {
        assertThat(hostileUrls().count()).isGreaterThanOrEqualTo(15);
    }

    @Test
    void publicHttpsRepositoriesPass() throws Exception {
        assertThat(policy.check("https://github.com/octo/site.git").addresses()).extracting(InetAddress::getHostAddress).containsExactly("140.82.112.3");
        assertThat(policy.check("HTTPS://GitLab.Example.com:8443/group/site.git").port()).isEqualTo(8443);
        assertThat(policy.check("https://140.82.112.3/octo/site.git").host()).isEqualTo("140.82.112.3");
    }

    @Test
    void sshRepositoriesOnPublicHostsPassInBothForms() throws Exception {
        assertThat(policy.check("git@github.com:octo/site.git").port()).isEqualTo(22);
        assertThat(policy.check("git@github.com:octo/site.git").host()).isEqualTo("github.com");
        assertThat(policy.check("ssh://git@gitlab.example.com:2222/group/site.git").port()).isEqualTo(2222);
        assertThat(policy.check("ssh://git@140.82.112.3/octo/site.git").addresses()).extracting(InetAddress::getHostAddress)
                .containsExactly("140.82.112.3");
        assertThat(RepositoryUrlPolicy.isSsh("git@github.com:octo/site.git")).isTrue();
        assertThat(RepositoryUrlPolicy.isSsh("SSH://git@github.com/octo/site.git")).isTrue();
        assertThat(RepositoryUrlPolicy.isSsh("https://github.com/octo/site.git")).isFalse();
        assertThat(RepositoryUrlPolicy.isSsh("https://user@github.com:443/octo/site.git")).isFalse();
    }

    @Test
    void webhookEndpointsNeverTakeSsh() {
        RepositoryUrlPolicy endpoints = new RepositoryUrlPolicy(resolver, List.of(), false, RepositoryUrlPolicy.Subject.WEBHOOK_ENDPOINT);
        assertThatThrownBy(() -> endpoints.check("ssh://git@github.com/octo/site.git")).isInstanceOf(RepositoryUrlRefusedException.class);
        assertThatThrownBy(() -> endpoints.check("git@github.com:octo/site.git")).isInstanceOf(RepositoryUrlRefusedException.class);
    }

    @Test
    void hostsAreResolvedBeforeTheyAreJudgedAndNothingElseIsLookedUp() throws Exception {
        assertThatThrownBy(() -> policy.check("https://internal.example/repo.git"))
                .hasMessage("the repository host 'internal.example' resolves to 10.0.0.5, which is not a public unicast address "
                        + "(loopback, private, link-local, metadata and similar ranges are refused)");
        assertThatThrownBy(() -> policy.check("file:///etc/passwd")).hasMessage("the repository URL must use https or ssh, not 'file'");
        assertThat(resolver.lookups).containsExactly("internal.example");
    }

    @Test
    void numericHostTricksAreRefusedWithoutAnyLookup() {
        // java.net.URI already rejects an all-numeric top label as a host name; the policy catches the rest.
        for (String host : List.of("2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "017700000001", "0x7f000001", "127.0.0.01")) {
            assertThatThrownBy(() -> policy.check("https://" + host + "/r.git"))
                    .isInstanceOf(RepositoryUrlRefusedException.class)
                    .satisfies(refused -> assertThat(refused.getMessage()).containsAnyOf("non-standard form", "has no valid host"));
        }
        assertThat(resolver.lookups).isEmpty();
    }

    @Test
    void anAllowlistedHostAndPortMayBeLoopbackButOnlyThatPort() throws Exception {
        RepositoryUrlPolicy tests = new RepositoryUrlPolicy(resolver, List.of("127.0.0.1:8080"), true);
        assertThatCode(() -> tests.check("http://127.0.0.1:8080/repo.git")).doesNotThrowAnyException();
        assertThatThrownBy(() -> tests.check("http://127.0.0.1:8081/repo.git")).isInstanceOf(RepositoryUrlRefusedException.class);
        assertThatThrownBy(() -> tests.check("http://github.com/octo/site.git")).hasMessage("the repository URL must use https, not 'http'");
    }

    @Test
    void anAllowlistedBlockAllowsItsAddressesOverHttpsOnlyUnlessPlainHttpIsEnabled() throws Exception {
        RepositoryUrlPolicy internal = new RepositoryUrlPolicy(resolver, List.of("10.0.0.0/8"), false);
        assertThatCode(() -> internal.check("https://internal.example/repo.git")).doesNotThrowAnyException();
        assertThatThrownBy(() -> internal.check("http://internal.example/repo.git")).hasMessage("the repository URL must use https, not 'http'");
        assertThatThrownBy(() -> internal.check("https://192.168.1.1/repo.git")).isInstanceOf(RepositoryUrlRefusedException.class);
    }

    @Test
    void malformedAllowlistEntriesAreRefusedAtStartup() {
        assertThatThrownBy(() -> new RepositoryUrlPolicy(resolver, List.of("everything"), false))
                .hasMessage("repository allowlist entry 'everything' must be a CIDR block or host:port");
        assertThatThrownBy(() -> new RepositoryUrlPolicy(resolver, List.of("10.0.0.0/33"), false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSocketRefusesToDialAnAddressThatRebindsToLoopback() throws Exception {
        // DNS said public when the URL was checked; the address being dialled is loopback.
        PolicyHttpConnectionFactory.CheckingSocket socket = new PolicyHttpConnectionFactory.CheckingSocket(policy, "rebind.example", 443);
        assertThatThrownBy(() -> socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), trap.port()), 1000))
                .isInstanceOf(RepositoryUrlRefusedException.class).hasMessageContaining("127.0.0.1");
        socket.close();
        assertThat(trap.connections()).isZero();
    }

    @Test
    void aSocketDialsAnAllowlistedAddress() throws Exception {
        RepositoryUrlPolicy tests = new RepositoryUrlPolicy(resolver, List.of("127.0.0.1:" + trap.port()), false);
        try (PolicyHttpConnectionFactory.CheckingSocket socket = new PolicyHttpConnectionFactory.CheckingSocket(tests, "127.0.0.1", trap.port())) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), trap.port()), 1000);
        }
        assertThat(trap.connections()).isEqualTo(1);
    }

    @Test
    void publicUnicastExcludesEverySpecialRange() throws Exception {
        for (String address : List.of("127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.127.0.1", "0.1.2.3",
                "224.0.0.251", "255.255.255.255", "198.18.0.1", "192.0.2.1", "::1", "::", "fc00::1", "fe80::1", "ff05::2", "2001:db8::1",
                "2001::1", "2002:a00:1::1", "::ffff:10.0.0.1")) {
            assertThat(RepositoryUrlPolicy.isPublicUnicast(InetAddress.getByName(address))).as(address).isFalse();
        }
        for (String address : List.of("140.82.112.3", "1.1.1.1", "2606:4700:4700::1111", "2002:8c52:7003::1")) {
            assertThat(RepositoryUrlPolicy.isPublicUnicast(InetAddress.getByName(address))).as(address).isTrue();
        }
    }
}
