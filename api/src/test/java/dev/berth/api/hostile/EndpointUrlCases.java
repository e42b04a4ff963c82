package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.field;
import static dev.berth.api.hostile.HostileCase.quote;
import static dev.berth.api.hostile.HostileCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.deploys.git.HostileRepositoryUrls;
import dev.berth.api.hostile.HostileCase.Request;
import java.util.ArrayList;
import java.util.List;

/**
 * Webhook endpoint URLs that must be refused before Berth connects anywhere: the repository URL
 * policy's hostile corpus (the same policy guards endpoints), sent through {@code POST /webhooks}
 * and {@code PUT /webhooks/{id}} of an endpoint the test suite's configuration could never reach
 * (it allowlists nothing), plus hostile event types and descriptions. A trap server on loopback
 * proves that no connection was opened; nothing may be stored.
 */
final class EndpointUrlCases {
    static final String AREA = "webhook endpoint URLs";

    private EndpointUrlCases() {
    }

    /** The problem names {@code field} or one of its items ({@code eventTypes[0]}). */
    private static HostileCase.Check fieldStartingWith(String field) {
        return answer -> assertThat(answer.json().path("errors").findValuesAsText("field")).as(answer.toString())
                .anyMatch(name -> name.equals(field) || name.startsWith(field + "["));
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String token = world.owner.accessToken();
        List<String> urls = new ArrayList<>(HostileRepositoryUrls.all());
        urls.removeIf(url -> url.startsWith("https://github.com/") && !url.contains("@") && !url.contains("#")); // a query is allowed here
        urls.add("http://127.0.0.1:" + HostileRepositoryUrls.TRAP + "/hook");
        urls.add("https://127.0.0.1:" + HostileRepositoryUrls.TRAP + "/hook?token=x");
        urls.add("https://github.com/hook#@127.0.0.1:" + HostileRepositoryUrls.TRAP);
        urls.add("https://[::ffff:7f00:1]:" + HostileRepositoryUrls.TRAP + "/hook");
        urls.add("https://2130706433:" + HostileRepositoryUrls.TRAP + "/hook");
        for (String hostile : urls) {
            String url = hostile.replace(HostileRepositoryUrls.TRAP, Integer.toString(world.trap.port()));
            cases.add(refused(AREA, "the endpoint URL " + quote(hostile) + " is refused before any connection",
                    Request.json("POST", "/webhooks", token, "{\"url\":" + quote(url) + ",\"eventTypes\":[\"site.created\"]}"), 400, "validation")
                    .checking(answer -> {
                        field("url").verify(answer);
                        assertThat(world.trap.connections()).as("connections to the trap").isZero();
                    }));
        }
        String[][] bodies = {
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":[\"webhook.test\"]}", "the test event type", "eventTypes"},
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":[\"site.*\"]}", "a wildcard event type", "eventTypes"},
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":[]}", "no event type", "eventTypes"},
                {"{\"url\":\"https://github.com/hook\"}", "no event types at all", "eventTypes"},
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":\"site.created\"}", "event types as a string", "eventTypes"},
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":[\"site.created\"],\"description\":\"a\\nb\"}", "a two-line description",
                        "description"},
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":[\"site.created\"],\"description\":\"" + "d".repeat(501) + "\"}",
                        "a 501-character description", "description"},
                {"{\"url\":\"https://github.com/hook\",\"eventTypes\":[\"site.created\"],\"secret\":\"whsec_mine\"}", "a secret of the caller's choosing",
                        "secret"},
                {"{\"eventTypes\":[\"site.created\"]}", "no URL", "url"},
        };
        for (String[] body : bodies) {
            cases.add(refused(AREA, "an endpoint with " + body[1] + " is refused", Request.json("POST", "/webhooks", token, body[0]), 400, "validation")
                    .checking(fieldStartingWith(body[2])));
        }
        cases.add(refused(AREA, "notification preferences with an unknown event type are refused",
                Request.json("PUT", "/me/notifications", token, "{\"eventTypes\":[\"site.created\",\"all\"]}"), 400, "validation")
                .checking(fieldStartingWith("eventTypes")));
        return cases;
    }
}
