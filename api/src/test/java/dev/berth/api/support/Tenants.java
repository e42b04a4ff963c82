package dev.berth.api.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;

/** Creates tenants through the public API, with names unique to the run. */
public final class Tenants {
    public static final String PASSWORD = "correct horse battery staple";

    private Tenants() {
    }

    /** A unique lower-case suffix for names that must not collide across runs. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** Signs up a new tenant and logs its owner in. */
    public static Session signUp(ApiClient api, String prefix) {
        String name = unique(prefix);
        String email = name + "@example.com";
        ApiClient.Answer signup = api.post("/signup", null,
                "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"tenantName\":\"" + name + "\"}");
        if (signup.status() != 201) {
            throw new AssertionError(signup.toString());
        }
        return login(api, email, PASSWORD, UUID.fromString(signup.json().get("tenantId").asText()), name);
    }

    public static Session login(ApiClient api, String email, String password, UUID tenantId, String tenantName) {
        ApiClient.Answer login = api.post("/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        if (login.status() != 200) {
            throw new AssertionError(login.toString());
        }
        JsonNode pair = login.json();
        return new Session(email, tenantId, tenantName, pair.get("accessToken").asText(), pair.get("refreshToken").asText());
    }

    /** Sets a tenant's quota as the platform admin {@code adminToken}: sites, running sites and API requests as given, the rest ample. */
    public static void setQuota(ApiClient api, String adminToken, UUID tenantId, int maxSites, int maxRunning, int requestsPerMinute) {
        ApiClient.Answer put = api.send("PUT", "/admin/tenants/" + tenantId + "/quota", adminToken,
                "{\"maxSites\":" + maxSites + ",\"maxRunningSites\":" + maxRunning + ",\"cpuMillicores\":1000,\"memoryMib\":512,"
                        + "\"pids\":256,\"diskMib\":1024,\"maxUploadMib\":100,\"apiRequestsPerMinute\":" + requestsPerMinute + "}",
                "application/json", java.util.Map.of());
        if (put.status() != 200) {
            throw new AssertionError(put.toString());
        }
    }

    /** A logged-in user. */
    public record Session(String email, UUID tenantId, String tenantName, String accessToken, String refreshToken) {
    }
}
