package dev.berth.api.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.FakeSiteHost;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What the node tests call: the registry's endpoints as raw JSON, and where sites were placed. */
abstract class NodeCalls {

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    Session admin() {
        return Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
    }

    String joinToken(Session admin) {
        ApiClient.Answer created = api().post("/admin/nodes/join-tokens", admin.accessToken(), "{\"validMinutes\":5}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("token").asText();
    }

    ApiClient.Answer join(String token, String name, String url, int capacitySites) {
        return api().post("/nodes/join", null, "{\"token\":\"" + token + "\",\"name\":\"" + name + "\",\"url\":\"" + url
                + "\",\"publicIpv4\":\"192.0.2.10\",\"capacitySites\":" + capacitySites + "}");
    }

    Map<String, JsonNode> nodes(Session admin) {
        ApiClient.Answer list = api().get("/admin/nodes", admin.accessToken());
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        Map<String, JsonNode> byName = new HashMap<>();
        list.json().get("items").forEach(node -> byName.put(node.get("name").asText(), node));
        return byName;
    }

    /** The node each of the tenant's sites lives on, from the admin site list. */
    Map<String, String> nodeOfSites(Session admin, List<String> names) {
        Map<String, String> found = new HashMap<>();
        api().get("/admin/sites?limit=200", admin.accessToken()).json().get("items").forEach(site -> {
            if (names.contains(site.get("name").asText())) {
                found.put(site.get("name").asText(), site.get("node").asText());
            }
        });
        return found;
    }

    /** A site's id, from the spec some node was handed. */
    static UUID siteId(String name, FakeSiteHost... hosts) {
        for (FakeSiteHost host : hosts) {
            for (var spec : host.specs().values()) {
                if (spec.name().equals(name)) {
                    return spec.siteId();
                }
            }
        }
        throw new AssertionError("no node was handed site " + name);
    }
}
