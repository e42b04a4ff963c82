package dev.berth.api.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.hostprotocol.CertificateState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The certificate keeper's decisions, without a database or a node. */
class CertificatePlanTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final List<String> WILDCARD = List.of("*.berth.test", "berth.test");

    private static CertificatePlan.NodeView node(String name, int joinedDaysAgo, boolean ready, CertificateState... wanted) {
        return new CertificatePlan.NodeView(UUID.nameUUIDFromBytes(name.getBytes()), name, NOW.minus(Duration.ofDays(joinedDaysAgo)),
                ready, List.of(wanted));
    }

    private static CertificateState serving(String name, List<String> domains, String serial) {
        return new CertificateState(name, domains, "active", "CN=ca", serial, null, null, null, null, null, null, 0, "v1");
    }

    private static CertificateStore.Stored stored(String name, List<String> domains, String serial, Instant renewAt, Instant nextAttempt) {
        return new CertificateStore.Stored(name, domains, serial, "CN=ca", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(89)),
                renewAt, "node-a", 1, nextAttempt == null ? 0 : 1, null, null, nextAttempt);
    }

    @Test
    void aMissingCertificateIsOrderedOnceByTheOldestReadyNodeWithTheOthersHelping() {
        CertificatePlan.NodeView a = node("node-a", 10, false, CertificateState.pending("platform", WILDCARD));
        CertificatePlan.NodeView b = node("node-b", 5, true, CertificateState.pending("platform", WILDCARD));
        CertificatePlan.NodeView c = node("node-c", 1, true, CertificateState.pending("platform", WILDCARD));

        List<CertificatePlan.Step> steps = CertificatePlan.plan(Map.of(), List.of(c, a, b), true, NOW);

        assertThat(steps).containsExactly(new CertificatePlan.Issue("platform", WILDCARD, b, List.of(c, a)));
    }

    @Test
    void aStoredCertificateGoesToEveryNodeServingAnotherSerialAndIsNotOrderedAgain() {
        CertificatePlan.NodeView a = node("node-a", 10, true, serving("platform", WILDCARD, "a1"));
        CertificatePlan.NodeView b = node("node-b", 5, true, CertificateState.pending("platform", WILDCARD));
        CertificatePlan.NodeView other = node("node-c", 5, true, CertificateState.pending("platform", List.of("*.other.test")));

        List<CertificatePlan.Step> steps = CertificatePlan.plan(
                Map.of("platform", stored("platform", WILDCARD, "a1", NOW.plus(Duration.ofDays(30)), null)), List.of(a, b, other), true, NOW);

        assertThat(steps).containsExactly(new CertificatePlan.Install("platform", b));
    }

    @Test
    void aFailedOrderWaitsForItsBackoffAndADueOneIsRenewedWhileTheCurrentOneStillReachesNewNodes() {
        CertificatePlan.NodeView a = node("node-a", 10, true, serving("platform", WILDCARD, "a1"));
        CertificatePlan.NodeView b = node("node-b", 5, true, CertificateState.pending("platform", WILDCARD));
        Map<String, CertificateStore.Stored> backingOff = Map.of("platform",
                stored("platform", WILDCARD, "a1", NOW.minusSeconds(1), NOW.plusSeconds(30)));
        assertThat(CertificatePlan.plan(backingOff, List.of(a, b), true, NOW)).containsExactly(new CertificatePlan.Install("platform", b));

        Map<String, CertificateStore.Stored> due = Map.of("platform", stored("platform", WILDCARD, "a1", NOW.minusSeconds(1), null));
        assertThat(CertificatePlan.plan(due, List.of(a, b), true, NOW)).containsExactly(new CertificatePlan.Install("platform", b),
                new CertificatePlan.Issue("platform", WILDCARD, a, List.of(b)));
    }

    @Test
    void aCustomCertificateNoNodeWantsIsRevokedOnlyWhenEveryNodeAnswered() {
        CertificatePlan.NodeView a = node("node-a", 10, true, serving("platform", WILDCARD, "a1"));
        Map<String, CertificateStore.Stored> stored = Map.of(
                "platform", stored("platform", WILDCARD, "a1", NOW.plus(Duration.ofDays(30)), null),
                "custom.www.example.org", stored("custom.www.example.org", List.of("www.example.org"), "c1", NOW.plus(Duration.ofDays(30)), null));

        assertThat(CertificatePlan.plan(stored, List.of(a), false, NOW)).isEmpty();
        assertThat(CertificatePlan.plan(stored, List.of(a), true, NOW))
                .containsExactly(new CertificatePlan.Revoke("custom.www.example.org", a));
    }

    /** Whatever the nodes report: at most one order per name, by a node that wants it; installs only where the serial differs. */
    @RepeatedTest(200)
    void everyNameIsOrderedByAtMostOneNodeThatWantsIt() {
        Random random = new Random();
        List<String> names = List.of("platform", "custom.a.example", "custom.b.example");
        List<CertificatePlan.NodeView> nodes = new ArrayList<>();
        for (int index = 0; index < 1 + random.nextInt(4); index++) {
            List<CertificateState> wanted = new ArrayList<>();
            for (String name : names) {
                if (random.nextBoolean()) {
                    wanted.add(random.nextBoolean() ? CertificateState.pending(name, List.of(name))
                            : serving(name, List.of(name), "s" + random.nextInt(3)));
                }
            }
            nodes.add(node("node-" + index, random.nextInt(5), random.nextBoolean(), wanted.toArray(CertificateState[]::new)));
        }
        Map<String, CertificateStore.Stored> stored = new HashMap<>();
        for (String name : names) {
            if (random.nextBoolean()) {
                stored.put(name, stored(name, List.of(name), "s" + random.nextInt(3), NOW.plusSeconds(random.nextInt(200) - 100),
                        random.nextBoolean() ? null : NOW.plusSeconds(random.nextInt(200) - 100)));
            }
        }

        List<CertificatePlan.Step> steps = CertificatePlan.plan(stored, nodes, true, NOW);

        for (String name : names) {
            List<CertificatePlan.Issue> orders = steps.stream().filter(step -> step instanceof CertificatePlan.Issue && step.name().equals(name))
                    .map(CertificatePlan.Issue.class::cast).toList();
            assertThat(orders).hasSizeLessThanOrEqualTo(1);
            orders.forEach(order -> {
                assertThat(order.issuer().wanted()).extracting(CertificateState::name).contains(name);
                assertThat(order.helpers()).doesNotContain(order.issuer());
            });
        }
        steps.stream().filter(step -> step instanceof CertificatePlan.Install).map(CertificatePlan.Install.class::cast).forEach(install ->
                assertThat(install.node().wanted()).filteredOn(state -> state.name().equals(install.name()))
                        .allSatisfy(state -> assertThat(state.serialNumber()).isNotEqualTo(stored.get(install.name()).serialNumber())));
    }
}
