package dev.berth.api.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.FakeSiteHost;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The node registry and placement through HTTP with raw JSON, with fake hosts as nodes: the
 * configured host is a node, others join with a one-time token, placement spreads a tenant's sites
 * and skips cordoned nodes, each node converges the sites placed on it only, and a node with sites
 * cannot be removed. Runs once per database (see the subclasses).
 */
abstract class NodesApiBehaviour extends NodeCalls {

    @Test
    void theConfiguredHostIsAReadyNodeThatNewSitesArePlacedOn() {
        Session admin = admin();
        JsonNode local = nodes(admin).get("local");
        assertThat(local).isNotNull();
        assertThat(local.get("state").asText()).isEqualTo("ready");
        assertThat(local.get("url").asText()).startsWith("unix://");
        app().reconciler().runOnce();
        assertThat(nodes(admin).get("local").get("lastSeenAt")).isNotNull();

        // Every other node this class joins has no room (capacity 0) or is gone after its test.
        Session tenant = Tenants.signUp(api(), "lc");
        String site = Tenants.unique("lc");
        assertThat(api().post("/sites", tenant.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        assertThat(nodeOfSites(admin, List.of(site))).containsEntry(site, "local");
        app().reconciler().runOnce();
        assertThat(app().host().specs().values().stream().map(spec -> spec.name())).contains(site);
    }

    @Test
    void aJoinWithAnUnknownTokenIsRefusedBeforeAnythingIsDialled() {
        int dialledBefore = app().dialled().size();
        ApiClient.Answer refused = join("bjn_not-a-token", Tenants.unique("n"), "https://" + Tenants.unique("never") + ".test:7443", 0);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.json().get("type").asText()).endsWith("/join-token-invalid");
        assertThat(app().dialled()).hasSize(dialledBefore);
    }

    @Test
    void aTokenJoinsOneNodeOnceAndAnUnreachableNodeDoesNotSpendIt() {
        Session admin = admin();
        String token = joinToken(admin);
        String unreachableUrl = "https://" + Tenants.unique("down") + ".test:7443";
        app().joinedNode(unreachableUrl).setUnreachable(true);
        ApiClient.Answer down = join(token, Tenants.unique("down"), unreachableUrl, 0);
        assertThat(down.status()).as(down.toString()).isEqualTo(422);
        assertThat(down.json().get("type").asText()).endsWith("/node-unreachable");

        String name = Tenants.unique("spare");
        ApiClient.Answer joined = join(token, name, "https://" + name + ".test:7443", 0);
        assertThat(joined.status()).as(joined.toString()).isEqualTo(201);
        assertThat(joined.json().get("state").asText()).isEqualTo("ready");
        assertThat(joined.json().get("publicIpv4").asText()).isEqualTo("192.0.2.10");
        assertThat(nodes(admin)).containsKey(name);

        ApiClient.Answer again = join(token, Tenants.unique("again"), "https://" + Tenants.unique("again") + ".test:7443", 0);
        assertThat(again.status()).as(again.toString()).isEqualTo(400);
        ApiClient.Answer taken = join(joinToken(admin), name, "https://" + name + ".test:7443", 0);
        assertThat(taken.status()).as(taken.toString()).isEqualTo(409);
    }

    @Test
    void badJoinsAnswerTheirFieldAndOnlyAdminsSeeTheRegistry() {
        Session admin = admin();
        String token = joinToken(admin);
        for (String[] bad : List.of(new String[] {"Upper", "https://a.test:1"}, new String[] {"ok", "http://a.test:1"},
                new String[] {"ok", "https://user@a.test:1"}, new String[] {"ok", "https://a.test:1/path"})) {
            ApiClient.Answer refused = join(token, bad[0], bad[1], 0);
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        }
        ApiClient.Answer badAddress = api().post("/nodes/join", null, "{\"token\":\"" + token + "\",\"name\":\"ok\","
                + "\"url\":\"https://ok.test:1\",\"publicIpv4\":\"node.example\"}");
        assertThat(badAddress.status()).as(badAddress.toString()).isEqualTo(400);
        Session tenant = Tenants.signUp(api(), "nn");
        assertThat(api().get("/admin/nodes", tenant.accessToken()).status()).isEqualTo(403);
        assertThat(api().post("/admin/nodes/join-tokens", tenant.accessToken(), "{}").status()).isEqualTo(403);
        assertThat(api().post("/admin/nodes/local/cordon", tenant.accessToken(), "").status()).isEqualTo(403);
        assertThat(api().get("/admin/nodes", null).status()).isEqualTo(401);
        assertThat(api().post("/admin/nodes/" + Tenants.unique("ghost") + "/cordon", admin.accessToken(), "").status()).isEqualTo(404);
    }

    @Test
    void placementSpreadsATenantsSitesSkipsCordonedNodesAndEachNodeConvergesOnlyItsOwn() {
        Session admin = admin();
        // This test owns placement: every other ready node is cordoned for its duration.
        List<String> cordoned = new ArrayList<>();
        nodes(admin).forEach((name, node) -> {
            if (node.get("state").asText().equals("ready") && !name.equals("local")) {
                assertThat(api().post("/admin/nodes/" + name + "/cordon", admin.accessToken(), "").status()).isEqualTo(200);
                cordoned.add(name);
            }
        });
        try {
            String second = Tenants.unique("second");
            String secondUrl = "https://" + second + ".test:7443";
            assertThat(join(joinToken(admin), second, secondUrl, 1000).status()).isEqualTo(201);
            FakeSiteHost secondHost = app().joinedNode(secondUrl);

            Session tenant = Tenants.signUp(api(), "pl");
            String first = Tenants.unique("pa");
            String other = Tenants.unique("pb");
            assertThat(api().post("/sites", tenant.accessToken(), "{\"name\":\"" + first + "\"}").status()).isEqualTo(201);
            assertThat(api().post("/sites", tenant.accessToken(), "{\"name\":\"" + other + "\"}").status()).isEqualTo(201);
            Map<String, String> placed = nodeOfSites(admin, List.of(first, other));
            assertThat(placed.values()).containsExactlyInAnyOrder("local", second);

            app().reconciler().runOnce();
            UUID onSecond = siteId(placed.get(first).equals(second) ? first : other, secondHost, app().host());
            UUID onLocal = siteId(placed.get(first).equals(second) ? other : first, secondHost, app().host());
            assertThat(secondHost.holds(onSecond)).isTrue();
            assertThat(secondHost.holds(onLocal)).isFalse();
            assertThat(app().host().holds(onLocal)).isTrue();
            assertThat(app().host().holds(onSecond)).isFalse();
            assertThat(nodes(admin).get(second).get("sites").asInt()).isEqualTo(1);

            // A node holding a site placed elsewhere removes it: a node never serves another node's site.
            secondHost.plantOrphan(onLocal);
            app().reconciler().runOnce();
            assertThat(secondHost.holds(onLocal)).isFalse();
            assertThat(app().host().holds(onLocal)).isTrue();

            // Cordoned: new sites go elsewhere; every node cordoned: 503.
            assertThat(api().post("/admin/nodes/" + second + "/cordon", admin.accessToken(), "").json().get("state").asText())
                    .isEqualTo("cordoned");
            String third = Tenants.unique("pc");
            assertThat(api().post("/sites", tenant.accessToken(), "{\"name\":\"" + third + "\"}").status()).isEqualTo(201);
            assertThat(nodeOfSites(admin, List.of(third))).containsEntry(third, "local");
            assertThat(api().post("/admin/nodes/local/cordon", admin.accessToken(), "").status()).isEqualTo(200);
            try {
                ApiClient.Answer full = api().post("/sites", tenant.accessToken(), "{\"name\":\"" + Tenants.unique("pd") + "\"}");
                assertThat(full.status()).as(full.toString()).isEqualTo(503);
                assertThat(full.json().get("type").asText()).endsWith("/no-node-available");
            } finally {
                assertThat(api().post("/admin/nodes/local/uncordon", admin.accessToken(), "").status()).isEqualTo(200);
            }

            // A node with sites cannot be removed; once they are gone it can.
            ApiClient.Answer notEmpty = api().delete("/admin/nodes/" + second, admin.accessToken());
            assertThat(notEmpty.status()).as(notEmpty.toString()).isEqualTo(409);
            assertThat(notEmpty.json().get("type").asText()).endsWith("/node-not-empty");
            String secondSite = placed.get(first).equals(second) ? first : other;
            assertThat(api().delete("/sites/" + secondSite, tenant.accessToken()).status()).isEqualTo(202);
            app().reconciler().runOnce();
            app().reconciler().runOnce();
            assertThat(secondHost.holds(onSecond)).isFalse();
            assertThat(api().delete("/admin/nodes/" + second, admin.accessToken()).status()).isEqualTo(204);
            assertThat(nodes(admin)).doesNotContainKey(second);
        } finally {
            cordoned.forEach(name -> api().post("/admin/nodes/" + name + "/uncordon", admin.accessToken(), ""));
        }
    }
}
