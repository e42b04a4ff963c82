package dev.berth.api.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.support.ApiClient;
import dev.berth.api.support.FakeSiteHost;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Sites moving between nodes, with fake hosts as nodes and a clock the test moves: a node silent
 * for longer than {@code host.nodeLostAfterSeconds} (30 s) is lost and its sites are placed on the
 * other nodes at once; it holds nothing when it answers again. A draining node hands its sites over
 * {@code host.drainConcurrency} at a time (2 in test.yml), each kept on the old node until the new one
 * serves it and for the grace period ({@code host.drainGraceSeconds}, 60 s) after. Runs once per
 * database.
 */
abstract class NodeMovesBehaviour extends NodeCalls {
    /** {@code host.drainConcurrency} in test.yml. */
    private static final int DRAIN_CONCURRENCY = 2;

    private void pass() {
        app().reconciler().runOnce();
        app().nodeMover().runOnce();
        app().reconciler().runOnce();
    }

    /** Joins a fresh node and makes it, and the configured host, the only ready ones. */
    private FakeSiteHost onlyReadyWith(Session admin, String name) {
        String url = "https://" + name + ".test:7443";
        assertThat(join(joinToken(admin), name, url, 1000).status()).isEqualTo(201);
        nodes(admin).forEach((other, node) -> {
            if (!other.equals("local") && !other.equals(name) && node.get("state").asText().equals("ready")) {
                assertThat(api().post("/admin/nodes/" + other + "/cordon", admin.accessToken(), "").status()).isEqualTo(200);
            }
        });
        return app().joinedNode(url);
    }

    /** Creates sites until one lands on {@code node}; answers its name. */
    private String siteOn(Session admin, Session tenant, String node) {
        for (int attempt = 0; attempt < 4; attempt++) {
            String name = Tenants.unique("mv");
            assertThat(api().post("/sites", tenant.accessToken(), "{\"name\":\"" + name + "\"}").status()).isEqualTo(201);
            if (nodeOfSites(admin, List.of(name)).get(name).equals(node)) {
                return name;
            }
        }
        throw new AssertionError("no site was placed on " + node);
    }

    @Test
    void aSilentNodeIsLostItsSitesServeFromAnotherNodeAndItReturnsHoldingNothing() {
        Session admin = admin();
        String name = Tenants.unique("lose");
        FakeSiteHost doomed = onlyReadyWith(admin, name);
        Session tenant = Tenants.signUp(api(), "lo");
        String site = siteOn(admin, tenant, name);
        pass();
        UUID siteId = siteId(site, doomed);
        assertThat(doomed.holds(siteId)).isTrue();

        doomed.setUnreachable(true);
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(20));
        pass();
        assertThat(nodes(admin).get(name).get("state").asText()).as("silent for 20 s of 30").isEqualTo("ready");
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(15));
        pass();
        Map<String, com.fasterxml.jackson.databind.JsonNode> after = nodes(admin);
        assertThat(after.get(name).get("state").asText()).isEqualTo("lost");
        assertThat(after.get(name).get("sites").asInt()).isZero();
        assertThat(after.get(name).get("lastError").asText()).contains("unreachable");
        assertThat(nodeOfSites(admin, List.of(site))).containsEntry(site, "local");
        assertThat(app().host().holds(siteId)).isTrue();
        assertThat(app().host().specs().get(siteId).running()).isTrue();
        assertThat(api().get("/sites/" + site, tenant.accessToken()).json().get("observedState").asText()).isEqualTo("running");

        // Back with its old state: the site it held lives elsewhere now, so it removes it and is ready again.
        doomed.setUnreachable(false);
        pass();
        assertThat(doomed.holds(siteId)).isFalse();
        assertThat(nodes(admin).get(name).get("state").asText()).isEqualTo("ready");
        assertThat(app().host().holds(siteId)).isTrue();
        assertThat(api().delete("/admin/nodes/" + name, admin.accessToken()).status()).isEqualTo(204);
    }

    @Test
    void aDrainingNodeHandsOverTwoSitesAtATimeKeepingEachUntilItsNewNodeServesItAndForTheGracePeriodAfter() {
        assertThat(extension().getConfiguration().host.drainConcurrency).as("test.yml").isEqualTo(DRAIN_CONCURRENCY);
        Session admin = admin();
        String name = Tenants.unique("drain");
        FakeSiteHost draining = onlyReadyWith(admin, name);
        Session tenant = Tenants.signUp(api(), "dr");
        // Three sites on the node, however many land on the other node on the way.
        Tenants.setQuota(api(), admin.accessToken(), tenant.tenantId(), 12, 12, 1000);
        List<String> sites = List.of(siteOn(admin, tenant, name), siteOn(admin, tenant, name), siteOn(admin, tenant, name));
        pass();
        Map<String, UUID> ids = new java.util.LinkedHashMap<>();
        sites.forEach(site -> ids.put(site, siteId(site, draining)));

        ApiClient.Answer drain = api().post("/admin/nodes/" + name + "/drain", admin.accessToken(), "");
        assertThat(drain.status()).as(drain.toString()).isEqualTo(200);
        assertThat(drain.json().get("state").asText()).isEqualTo("draining");

        app().nodeMover().runOnce();
        // Two at a time (host.drainConcurrency): two are handed over, the third waits. The admin list
        // names the node that serves each: the old one for all, until the new node serves a moved site.
        assertThat(nodeOfSites(admin, sites).values()).containsOnly(name);
        app().reconciler().runOnce();
        List<String> moved = sites.stream().filter(site -> app().host().holds(ids.get(site))).toList();
        assertThat(moved).as("served by their new node").hasSize(DRAIN_CONCURRENCY);
        String waiting = sites.stream().filter(site -> !moved.contains(site)).findFirst().orElseThrow();
        assertThat(app().host().holds(ids.get(waiting))).as("the third waits").isFalse();
        assertThat(sites).allSatisfy(site -> assertThat(draining.holds(ids.get(site))).as("kept by the old node until then").isTrue());

        // Their new node serves them: clients are sent there, the old node keeps its copies for the grace
        // period (host.drainGraceSeconds, 60 s) for those that still hold its address, and the third moves.
        app().nodeMover().runOnce();
        Map<String, String> placed = nodeOfSites(admin, sites);
        assertThat(moved).allSatisfy(site -> assertThat(placed).containsEntry(site, "local"));
        assertThat(placed).containsEntry(waiting, name);
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(30));
        pass();
        pass();
        assertThat(nodeOfSites(admin, sites).values()).containsOnly("local");
        assertThat(sites).allSatisfy(site -> assertThat(app().host().holds(ids.get(site))).isTrue());
        assertThat(moved).allSatisfy(site -> assertThat(draining.holds(ids.get(site))).as("30 s of 60 after its new node served it")
                .isTrue());
        assertThat(draining.holds(ids.get(waiting))).isTrue();
        assertThat(nodes(admin).get(name).get("sites").asInt()).as("the sites it still serves").isEqualTo(3);
        ApiClient.Answer early = api().delete("/admin/nodes/" + name, admin.accessToken());
        assertThat(early.status()).as(early.toString()).isEqualTo(409);
        assertThat(early.problem()).isEqualTo("node-not-empty");

        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(31));
        pass();
        assertThat(moved).allSatisfy(site -> assertThat(draining.holds(ids.get(site))).as("61 s after its new node served it")
                .isFalse());
        assertThat(draining.holds(ids.get(waiting))).as("31 s after").isTrue();
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(30));
        pass();
        assertThat(draining.holds(ids.get(waiting))).isFalse();
        assertThat(sites).allSatisfy(site -> assertThat(app().host().holds(ids.get(site))).isTrue());
        assertThat(nodeOfSites(admin, sites).values()).containsOnly("local");
        assertThat(nodes(admin).get(name).get("sites").asInt()).isZero();
        assertThat(nodes(admin).get(name).get("state").asText()).isEqualTo("draining");
        assertThat(api().delete("/admin/nodes/" + name, admin.accessToken()).status()).isEqualTo(204);
    }

    /** A node's one site, moved off it by a drain and served by its new node: the old node still serves it. */
    private record Graced(Session admin, String node, FakeSiteHost draining, Session tenant, String site, UUID siteId) {
    }

    private Graced oneSiteInItsGracePeriod(String prefix) {
        Session admin = admin();
        String name = Tenants.unique(prefix);
        FakeSiteHost draining = onlyReadyWith(admin, name);
        Session tenant = Tenants.signUp(api(), prefix);
        String site = siteOn(admin, tenant, name);
        pass();
        UUID siteId = siteId(site, draining);
        assertThat(api().post("/admin/nodes/" + name + "/drain", admin.accessToken(), "").status()).isEqualTo(200);
        pass();
        pass();
        assertThat(nodeOfSites(admin, List.of(site))).containsEntry(site, "local");
        assertThat(draining.holds(siteId)).as("in its grace period").isTrue();
        return new Graced(admin, name, draining, tenant, site, siteId);
    }

    @Test
    void aSiteStoppedDuringItsGracePeriodLeavesTheOldNodeAtOnce() {
        Graced graced = oneSiteInItsGracePeriod("drstop");
        Session admin = graced.admin();
        String name = graced.node();
        FakeSiteHost draining = graced.draining();
        Session tenant = graced.tenant();
        String site = graced.site();
        UUID siteId = graced.siteId();
        assertThat(api().post("/sites/" + site + "/stop", tenant.accessToken(), null).status()).isEqualTo(202);
        pass();
        pass();
        assertThat(draining.holds(siteId)).as("a stopped site answers nowhere").isFalse();
        assertThat(app().host().specs().get(siteId).running()).isFalse();
        assertThat(api().delete("/admin/nodes/" + name, admin.accessToken()).status()).isEqualTo(204);
    }

    @Test
    void aDrainingNodeLostDuringTheGracePeriodServesNothingThatMovedWhenItReturns() {
        Graced graced = oneSiteInItsGracePeriod("drlost");
        graced.draining().setUnreachable(true);
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(35));
        pass();
        assertThat(nodes(graced.admin()).get(graced.node()).get("state").asText()).isEqualTo("lost");
        assertThat(nodes(graced.admin()).get(graced.node()).get("sites").asInt()).as("a lost node's handovers end").isZero();
        // Back 35 s after its site's new node served it, well within the grace period: it is fenced all the same.
        graced.draining().setUnreachable(false);
        pass();
        assertThat(graced.draining().holds(graced.siteId())).isFalse();
        assertThat(app().host().holds(graced.siteId())).isTrue();
        assertThat(nodes(graced.admin()).get(graced.node()).get("state").asText()).isEqualTo("ready");
        assertThat(api().delete("/admin/nodes/" + graced.node(), graced.admin().accessToken()).status()).isEqualTo(204);
    }

    @Test
    void noNodeIsLostWhileNoOtherNodeAnswersSoASingleSilentHostKeepsItsSitesAndTakesNewOnes() {
        Session admin = admin();
        String name = Tenants.unique("quiet");
        FakeSiteHost other = onlyReadyWith(admin, name);
        pass();
        other.setUnreachable(true);
        app().host().setUnreachable(true);
        try {
            TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(40));
            pass();
            Map<String, com.fasterxml.jackson.databind.JsonNode> silent = nodes(admin);
            assertThat(silent.get("local").get("state").asText()).isEqualTo("ready");
            assertThat(silent.get(name).get("state").asText()).isEqualTo("ready");
            assertThat(silent.get(name).get("lastError").asText()).contains("unreachable");
            Session tenant = Tenants.signUp(api(), "qu");
            ApiClient.Answer created = api().post("/sites", tenant.accessToken(), "{\"name\":\"" + Tenants.unique("qs") + "\"}");
            assertThat(created.status()).as("placed, provisioning once a node answers").isEqualTo(201);
        } finally {
            app().host().setUnreachable(false);
            other.setUnreachable(false);
        }
        pass();
        assertThat(api().post("/admin/nodes/" + name + "/cordon", admin.accessToken(), "").status()).isEqualTo(200);
    }
}
