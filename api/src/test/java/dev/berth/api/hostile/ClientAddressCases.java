package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.quote;
import static dev.berth.api.hostile.HostileCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.hostile.HostileCase.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Headers that claim another client address: the API trusts no proxy in this configuration, so
 * every one of them is ignored. Each request is a failed login, counted and audited under the
 * connection's own address (loopback), never under the address the header names.
 */
final class ClientAddressCases {
    static final String AREA = "client addresses";

    private ClientAddressCases() {
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String[][] headers = {
                {"X-Forwarded-For", "203.0.113.9"},
                {"X-Forwarded-For", "203.0.113.9, 198.51.100.4"},
                {"X-Forwarded-For", "127.0.0.1"},
                {"X-Forwarded-For", "::1"},
                {"X-Forwarded-For", "10.0.0.1, 127.0.0.1"},
                {"X-Forwarded-For", "unknown"},
                {"X-Forwarded-For", "<script>alert(1)</script>"},
                {"X-Forwarded-For", "999.999.999.999"},
                {"X-Forwarded-For", "1.1.1.1,".repeat(200)},
                {"Forwarded", "for=203.0.113.9;proto=https"},
                {"X-Real-IP", "203.0.113.9"},
                {"X-Client-IP", "203.0.113.9"},
        };
        for (String[] header : headers) {
            String email = "spoof-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
            cases.add(refused(AREA, "a login claiming " + header[0] + ": " + quote(header[1]) + " counts under the connection's address",
                    Request.json("POST", "/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"not-the-password\"}")
                            .withHeaders(Map.of(header[0], header[1])), 401, "invalid-credentials")
                    .checking(answer -> {
                        String recorded = world.app.jdbi().withHandle(handle -> handle.createQuery(
                                        "SELECT client_address FROM audit_log WHERE actor_label = :email")
                                .bind("email", email).mapTo(String.class).one());
                        assertThat(recorded).as("the audited client address").isEqualTo("127.0.0.1");
                    }));
        }
        return cases;
    }
}
