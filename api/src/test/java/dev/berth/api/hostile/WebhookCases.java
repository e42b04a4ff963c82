package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.deploys.webhooks.PushPayloads;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.hostile.HostileCase.Request;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Webhook deliveries that must not queue a deploy: missing, wrong or misplaced signatures for each
 * Git host, tampered and oversized bodies, wrong media types, unknown sites, and replays of
 * deliveries already received (answered {@code duplicate}, as the contract says, and queuing
 * nothing). Deliveries are public requests: only the signature stands between them and a deploy.
 */
final class WebhookCases {
    static final String AREA = "webhooks";

    private WebhookCases() {
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String hook = "/hooks/git/" + world.gitSite;
        String secret = world.gitSecret;
        byte[] github = bytes(PushPayloads.github("refs/heads/main", World.COMMIT, false));
        byte[] gitlab = bytes(PushPayloads.gitlab("refs/heads/main", World.COMMIT, World.COMMIT));
        byte[] gitea = bytes(PushPayloads.gitea("refs/heads/main", World.COMMIT));
        byte[] tampered = bytes(PushPayloads.github("refs/heads/main", "9049f1265b7d61be4a8904a9a27120d2064dab3b", false));
        String goodGithub = "sha256=" + WebhookVerifier.sign(github, secret);

        Object[][] githubSignatures = {
                {null, "no signature"},
                {"sha256=" + WebhookVerifier.sign(github, "wrong-secret"), "a signature made with another secret"},
                {"sha256=" + WebhookVerifier.sign(github, world.victimGitSecret), "the signature of another tenant's site"},
                {"sha256=" + "zz" + "0".repeat(62), "a signature that is not hexadecimal"},
                {"sha256=", "an empty signature"},
                {WebhookVerifier.sign(github, secret), "the right signature without its sha256= prefix"},
                {"sha512=" + WebhookVerifier.sign(github, secret), "the right digest under a sha512= prefix"},
                {goodGithub.substring(0, 39), "a truncated signature"},
                {goodGithub + "00", "a signature with extra bytes"},
        };
        for (Object[] signature : githubSignatures) {
            Map<String, String> headers = githubHeaders(UUID.randomUUID().toString());
            if (signature[0] != null) {
                headers.put("X-Hub-Signature-256", (String) signature[0]);
            }
            cases.add(refused(AREA, "a GitHub push with " + signature[1] + " is refused",
                    Request.bytes("POST", hook, null, github, "application/json").withHeaders(headers), 401, "invalid-token"));
        }
        Map<String, String> sha1Only = githubHeaders(UUID.randomUUID().toString());
        sha1Only.put("X-Hub-Signature", "sha1=" + "ab".repeat(20));
        cases.add(refused(AREA, "a GitHub push with only the legacy SHA-1 signature is refused",
                Request.bytes("POST", hook, null, github, "application/json").withHeaders(sha1Only), 401, "invalid-token"));
        cases.add(refused(AREA, "a GitHub push changed after it was signed is refused",
                Request.bytes("POST", hook, null, tampered, "application/json").withHeaders(signedGithub(goodGithub, UUID.randomUUID().toString())),
                401, "invalid-token"));

        Object[][] gitlabTokens = {
                {null, "no token"}, {"wrong-secret", "another secret"}, {"", "an empty token"}, {new StringBuilder(secret).reverse().toString(), "the secret reversed"},
                {secret.substring(0, secret.length() - 1), "the secret less its last character"}, {world.victimGitSecret, "another tenant's secret"},
                {WebhookVerifier.sign(gitlab, secret), "an HMAC of the body instead of the secret"},
        };
        for (Object[] token : gitlabTokens) {
            Map<String, String> headers = new HashMap<>(Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Event-UUID", UUID.randomUUID().toString()));
            if (token[0] != null) {
                headers.put("X-Gitlab-Token", (String) token[0]);
            }
            cases.add(refused(AREA, "a GitLab push with " + token[1] + " is refused",
                    Request.bytes("POST", hook, null, gitlab, "application/json").withHeaders(headers), 401, "invalid-token"));
        }

        Object[][] giteaSignatures = {
                {"X-Gitea-Signature", null, gitea, "no signature"},
                {"X-Gitea-Signature", WebhookVerifier.sign(gitea, "wrong-secret"), gitea, "a signature made with another secret"},
                {"X-Gitea-Signature", WebhookVerifier.sign(gitea, secret), bytes(PushPayloads.gitea("refs/heads/main",
                        "9049f1265b7d61be4a8904a9a27120d2064dab3b")), "a body changed after it was signed"},
                {"X-Gitea-Signature", "sha256=" + WebhookVerifier.sign(gitea, secret), gitea, "a GitHub-style prefix on the signature"},
                {"X-Forgejo-Signature", WebhookVerifier.sign(gitea, "wrong-secret"), gitea, "a Forgejo signature made with another secret"},
        };
        for (Object[] signature : giteaSignatures) {
            Map<String, String> headers = new HashMap<>(Map.of("X-Gitea-Event", "push", "X-Gitea-Delivery", UUID.randomUUID().toString()));
            if (signature[1] != null) {
                headers.put((String) signature[0], (String) signature[1]);
            }
            cases.add(refused(AREA, "a Gitea push with " + signature[3] + " is refused",
                    Request.bytes("POST", hook, null, (byte[]) signature[2], "application/json").withHeaders(headers), 401, "invalid-token"));
        }
        Map<String, String> confused = signedGithub("sha256=" + WebhookVerifier.sign(gitea, secret), UUID.randomUUID().toString());
        confused.put("X-Gitea-Event", "push");
        cases.add(refused(AREA, "a Gitea event carrying only a valid GitHub signature is refused (the host is recognised first)",
                Request.bytes("POST", hook, null, gitea, "application/json").withHeaders(confused), 401, "invalid-token"));

        // Signed, but not a push Berth can act on.
        cases.add(refused(AREA, "a signed delivery without any Git host's event header is refused",
                Request.bytes("POST", hook, null, github, "application/json").withHeaders(Map.of("X-Hub-Signature-256", goodGithub)), 400,
                "validation"));
        for (String[] body : new String[][] {{"not json at all", "a body that is not JSON"}, {"[1,2,3]", "a JSON array"},
                {PushPayloads.github("refs/heads/main", "not-a-commit", false), "a push without a valid commit id"}}) {
            byte[] raw = bytes(body[0]);
            cases.add(refused(AREA, "a correctly signed GitHub push with " + body[1] + " is refused",
                    Request.bytes("POST", hook, null, raw, "application/json").withHeaders(signedGithub("sha256=" + WebhookVerifier.sign(raw, secret),
                            UUID.randomUUID().toString())), 400, "validation"));
        }
        // One byte over the limit: the server stops reading there and answers, so a larger body would still be on its way, and
        // a client that sends all of its body before reading (Java's does) may see the connection close instead of the answer.
        byte[] big = Arrays.copyOf(github, 1024 * 1024 + 1);
        Arrays.fill(big, github.length, big.length, (byte) ' ');
        cases.add(refused(AREA, "a correctly signed delivery one byte over 1 MiB is refused as too large",
                Request.bytes("POST", hook, null, big, "application/json").withHeaders(signedGithub("sha256=" + WebhookVerifier.sign(big, secret),
                        UUID.randomUUID().toString())), 413, "payload-too-large"));

        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"}) {
            cases.add(refused(AREA, "a correctly signed delivery sent as " + type + " is refused",
                    Request.bytes("POST", hook, null, github, type).withHeaders(signedGithub(goodGithub, UUID.randomUUID().toString())), 415,
                    "unsupported-media-type"));
        }

        // Sites a delivery cannot deploy.
        for (String[] target : new String[][] {{"/hooks/git/no-such-site", "a site that does not exist"},
                {"/hooks/git/" + world.site, "a site that does not deploy from Git"},
                {"/hooks/git/" + world.victimSite, "another tenant's site, signed with this site's secret"},
                {"/hooks/git/" + world.gitSite.toUpperCase(java.util.Locale.ROOT), "the site name in upper case"}}) {
            int status = target[1].startsWith("another tenant") ? 401 : 404;
            cases.add(refused(AREA, "a signed delivery to " + target[1] + " answers " + status,
                    Request.bytes("POST", target[0], null, github, "application/json").withHeaders(signedGithub(goodGithub, UUID.randomUUID().toString())),
                    status, status == 401 ? "invalid-token" : "not-found"));
        }
        cases.add(refused(AREA, "a signed delivery to an encoded parent path is refused as malformed",
                Request.bytes("POST", "/hooks/git/..%2F" + world.gitSite, null, github, "application/json")
                        .withHeaders(signedGithub(goodGithub, UUID.randomUUID().toString())), 400, "validation"));
        cases.add(refused(AREA, "reading a webhook endpoint is not allowed", Request.json("GET", hook, null, null), 405, "method-not-allowed"));

        // Replays: a delivery id seen before queues nothing, whatever the body.
        HostileCase.Check duplicate = answer -> assertThat(answer.json().get("outcome").asText()).as(answer.toString()).isEqualTo("duplicate");
        cases.add(new HostileCase(AREA, "a replayed GitHub delivery is answered duplicate and queues nothing",
                () -> Request.bytes("POST", hook, null, github, "application/json").withHeaders(signedGithub(goodGithub, world.deliveries.get("github"))),
                202, null, java.util.Set.of(), duplicate));
        byte[] newer = bytes(PushPayloads.github("refs/heads/main", "9049f1265b7d61be4a8904a9a27120d2064dab3b", false));
        cases.add(new HostileCase(AREA, "a new, correctly signed body under a used GitHub delivery id queues nothing",
                () -> Request.bytes("POST", hook, null, newer, "application/json").withHeaders(signedGithub("sha256=" + WebhookVerifier.sign(newer, secret),
                        world.deliveries.get("github"))), 202, null, java.util.Set.of(), duplicate));
        cases.add(refused(AREA, "a used GitHub delivery id with a tampered body and the old signature is refused",
                Request.bytes("POST", hook, null, tampered, "application/json").withHeaders(signedGithub(goodGithub, world.deliveries.get("github"))),
                401, "invalid-token"));
        cases.add(new HostileCase(AREA, "a replayed GitLab delivery is answered duplicate and queues nothing",
                () -> Request.bytes("POST", hook, null, gitlab, "application/json").withHeaders(Map.of("X-Gitlab-Event", "Push Hook",
                        "X-Gitlab-Event-UUID", world.deliveries.get("gitlab"), "X-Gitlab-Token", secret)), 202, null, java.util.Set.of(), duplicate));
        cases.add(new HostileCase(AREA, "a replayed Gitea delivery is answered duplicate and queues nothing",
                () -> Request.bytes("POST", hook, null, gitea, "application/json").withHeaders(Map.of("X-Gitea-Event", "push",
                        "X-Gitea-Delivery", world.deliveries.get("gitea"), "X-Gitea-Signature", WebhookVerifier.sign(gitea, secret))), 202, null,
                java.util.Set.of(), duplicate));
        return cases;
    }

    private static Map<String, String> githubHeaders(String delivery) {
        return new HashMap<>(Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", delivery));
    }

    private static Map<String, String> signedGithub(String signature, String delivery) {
        Map<String, String> headers = githubHeaders(delivery);
        headers.put("X-Hub-Signature-256", signature);
        return headers;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
