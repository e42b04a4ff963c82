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
 * one by one, each kept on the old node until the new one serves it and for the grace period
 * ({@code host.drainGraceSeconds}, 60 s) after. Runs once per database.
 */
abstract class NodeMovesBehaviour extends NodeCalls {

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
    void aDrainingNodeKeepsEachSiteUntilItsNewNodeServesItAndForTheGracePeriodAfterThenCanBeRemoved() {
        Session admin = admin();
        String name = Tenants.unique("drain");
        FakeSiteHost draining = onlyReadyWith(admin, name);
        Session tenant = Tenants.signUp(api(), "dr");
        String first = siteOn(admin, tenant, name);
        String second = siteOn(admin, tenant, name);
        pass();
        UUID firstId = siteId(first, draining);
        UUID secondId = siteId(second, draining);

        ApiClient.Answer drain = api().post("/admin/nodes/" + name + "/drain", admin.accessToken(), "");
        assertThat(drain.status()).as(drain.toString()).isEqualTo(200);
        assertThat(drain.json().get("state").asText()).isEqualTo("draining");

        app().nodeMover().runOnce();
        // One site at a time: one is handed over, the other waits. The admin list names the node that
        // serves each: the old one for both, until the new node serves the moved site.
        assertThat(nodeOfSites(admin, List.of(first, second)).values()).containsOnly(name);
        app().reconciler().runOnce();
        UUID movedId = app().host().holds(firstId) ? firstId : secondId;
        UUID otherId = movedId == firstId ? secondId : firstId;
        String moved = movedId == firstId ? first : second;
        String other = movedId == firstId ? second : first;
        assertThat(app().host().holds(otherId)).as("the other waits").isFalse();
        assertThat(app().host().holds(movedId)).as("served by its new node").isTrue();
        assertThat(draining.holds(movedId)).as("kept by the old node until then").isTrue();

        // Its new node serves it: clients are sent there, the old node keeps its copy for the grace
        // period (host.drainGraceSeconds, 60 s) for those that still hold its address, and the next site moves.
        app().nodeMover().runOnce();
        assertThat(nodeOfSites(admin, List.of(moved, other))).containsEntry(moved, "local").containsEntry(other, name);
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(30));
        pass();
        pass();
        assertThat(nodeOfSites(admin, List.of(first, second)).values()).containsOnly("local");
        assertThat(app().host().holds(firstId)).isTrue();
        assertThat(app().host().holds(secondId)).isTrue();
        assertThat(draining.holds(movedId)).as("30 s of 60 after its new node served it").isTrue();
        assertThat(draining.holds(otherId)).isTrue();
        assertThat(nodes(admin).get(name).get("sites").asInt()).as("the sites it still serves").isEqualTo(2);
        ApiClient.Answer early = api().delete("/admin/nodes/" + name, admin.accessToken());
        assertThat(early.status()).as(early.toString()).isEqualTo(409);
        assertThat(early.problem()).isEqualTo("node-not-empty");

        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(31));
        pass();
        assertThat(draining.holds(movedId)).as("61 s after its new node served it").isFalse();
        assertThat(draining.holds(otherId)).as("31 s after").isTrue();
        assertThat(app().host().holds(movedId)).isTrue();
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofSeconds(30));
        pass();
        assertThat(draining.holds(otherId)).isFalse();
        assertThat(app().host().holds(otherId)).isTrue();
        assertThat(nodeOfSites(admin, List.of(first, second)).values()).containsOnly("local");
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
