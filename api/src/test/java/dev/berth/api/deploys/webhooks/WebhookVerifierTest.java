package dev.berth.api.deploys.webhooks;

import static dev.berth.api.deploys.webhooks.PushPayloads.COMMIT;
import static dev.berth.api.deploys.webhooks.PushPayloads.ZEROS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.deploys.webhooks.WebhookOutcome.BranchDeleted;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Deploy;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Ignored;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Rejected;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Rejected.Cause;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
    private static final String SECRET = "whsec_3b1f0c1d7e2a4b5c";
    private static final String BRANCH = "main";
    private final WebhookVerifier verifier = new WebhookVerifier(new ObjectMapper());

    @Test
    void aSignedGitHubPushToTheSiteBranchDeploysItsCommit() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        WebhookOutcome outcome = verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "72d3162e-cc78-11e3-81ab-4c9367dc0958"), body);
        assertThat(outcome).isEqualTo(new Deploy(GitHost.GITHUB, "main", COMMIT, Optional.of("github:72d3162e-cc78-11e3-81ab-4c9367dc0958"),
                Optional.of("https://github.com/octo-org/site.git")));
    }

    @Test
    void aGitHubSignatureInUpperCaseHexIsAccepted() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET).toUpperCase(Locale.ROOT), "d1"), body))
                .isInstanceOf(Deploy.class);
    }

    @Test
    void aGitHubPushSignedWithAnotherSecretIsRejected() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, "wrong"), "d1"), body))
                .isEqualTo(new Rejected(Cause.UNAUTHENTICATED, "the X-Hub-Signature-256 signature does not match the body"));
    }

    @Test
    void aGitHubBodyChangedAfterSigningIsRejected() {
        byte[] signed = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        byte[] tampered = bytes(PushPayloads.github("refs/heads/main", PushPayloads.PREVIOUS, false));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(signed, SECRET), "d1"), tampered)).isInstanceOf(Rejected.class);
    }

    @Test
    void anUnsignedGitHubPushIsRejected() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        assertThat(verify(github("push", null, "d1"), body)).isEqualTo(new Rejected(Cause.UNAUTHENTICATED, "the X-Hub-Signature-256 header is missing"));
    }

    @Test
    void aGitHubSha1SignatureAloneIsRejected() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        Map<String, String> headers = github("push", null, "d1");
        headers.put("X-Hub-Signature", "sha1=" + "ab".repeat(20));
        assertThat(verify(headers, body)).isInstanceOf(Rejected.class);
    }

    @Test
    void aSignatureThatIsNotHexIsRejected() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        assertThat(verify(github("push", "sha256=zz" + "0".repeat(62), "d1"), body))
                .isEqualTo(new Rejected(Cause.UNAUTHENTICATED, "the X-Hub-Signature-256 header is not hexadecimal"));
    }

    @Test
    void aGitHubPingIsAcknowledgedAndIgnored() {
        byte[] body = bytes(PushPayloads.githubPing());
        assertThat(verify(github("ping", "sha256=" + WebhookVerifier.sign(body, SECRET), "d2"), body))
                .isEqualTo(new Ignored(GitHost.GITHUB, "event 'ping' is not a push", Optional.of("github:d2")));
    }

    @Test
    void anUnsignedPingIsRejectedLikeAnyDelivery() {
        assertThat(verify(github("ping", null, "d2"), bytes(PushPayloads.githubPing()))).isInstanceOf(Rejected.class);
    }

    @Test
    void aPushToAnotherBranchDeploysThatBranchForItsPreview() {
        byte[] body = bytes(PushPayloads.github("refs/heads/feature/Login", COMMIT, false));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "d3"), body))
                .isEqualTo(new Deploy(GitHost.GITHUB, "feature/Login", COMMIT, Optional.of("github:d3"),
                        Optional.of("https://github.com/octo-org/site.git")));
    }

    @Test
    void aPushToABranchNameBerthCannotFetchIsIgnored() {
        for (String branch : new String[] {"-rf", "a..b", "trailing/", "sp ace", "x".repeat(256)}) {
            byte[] body = bytes(PushPayloads.github("refs/heads/" + branch, COMMIT, false));
            assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "d9"), body)).as(branch).isInstanceOf(Ignored.class);
        }
    }

    @Test
    void deletingAnotherBranchRemovesItsPreviewOnEveryHost() {
        byte[] github = bytes(PushPayloads.github("refs/heads/feature", ZEROS, true));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(github, SECRET), "d6"), github))
                .isEqualTo(new BranchDeleted(GitHost.GITHUB, "feature", Optional.of("github:d6")));
        byte[] gitlab = bytes(PushPayloads.gitlab("refs/heads/feature", ZEROS, null));
        assertThat(verify(gitlab("Push Hook", SECRET, "u6"), gitlab))
                .isEqualTo(new BranchDeleted(GitHost.GITLAB, "feature", Optional.of("gitlab:u6")));
        byte[] gitea = bytes(PushPayloads.gitea("refs/heads/feature", ZEROS));
        assertThat(verify(gitea(WebhookVerifier.sign(gitea, SECRET), "46"), gitea))
                .isEqualTo(new BranchDeleted(GitHost.GITEA, "feature", Optional.of("gitea:46")));
    }

    @Test
    void aTagPushIsIgnored() {
        byte[] body = bytes(PushPayloads.github("refs/tags/v1.0", COMMIT, false));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "d4"), body))
                .isEqualTo(new Ignored(GitHost.GITHUB, "tag pushes do not deploy", Optional.of("github:d4")));
    }

    @Test
    void aDeletedBranchIsIgnored() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", ZEROS, true));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "d5"), body))
                .isEqualTo(new Ignored(GitHost.GITHUB, "branch 'main' was deleted", Optional.of("github:d5")));
    }

    @Test
    void aReplayedDeliveryCarriesTheSameDeliveryIdForTheCallerToDeduplicate() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        Map<String, String> headers = github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "72d3162e");
        Deploy first = (Deploy) verify(headers, body);
        Deploy replay = (Deploy) verify(headers, body);
        assertThat(replay.deliveryId()).isEqualTo(first.deliveryId()).contains("github:72d3162e");
        assertThat(WebhookVerifier.deliveryId(lookup(headers))).isEqualTo(first.deliveryId());
    }

    @Test
    void aSignedGitLabPushDeploysItsCheckoutSha() {
        byte[] body = bytes(PushPayloads.gitlab("refs/heads/main", COMMIT, COMMIT));
        assertThat(verify(gitlab("Push Hook", SECRET, "5a8d3c2e-1b2f-4c5d-9e6f-7a8b9c0d1e2f"), body))
                .isEqualTo(new Deploy(GitHost.GITLAB, "main", COMMIT, Optional.of("gitlab:5a8d3c2e-1b2f-4c5d-9e6f-7a8b9c0d1e2f"),
                        Optional.of("https://gitlab.example.com/mike/site.git")));
    }

    @Test
    void aGitLabPushWithAWrongTokenIsRejected() {
        byte[] body = bytes(PushPayloads.gitlab("refs/heads/main", COMMIT, COMMIT));
        assertThat(verify(gitlab("Push Hook", SECRET + "x", "u1"), body))
                .isEqualTo(new Rejected(Cause.UNAUTHENTICATED, "the X-Gitlab-Token header does not match the secret"));
    }

    @Test
    void aGitLabPushWithoutATokenIsRejected() {
        byte[] body = bytes(PushPayloads.gitlab("refs/heads/main", COMMIT, COMMIT));
        assertThat(verify(gitlab("Push Hook", null, "u1"), body)).isInstanceOf(Rejected.class);
    }

    @Test
    void aGitLabTagPushHookIsIgnored() {
        byte[] body = bytes(PushPayloads.gitlab("refs/tags/v1", COMMIT, COMMIT));
        assertThat(verify(gitlab("Tag Push Hook", SECRET, "u2"), body)).isInstanceOf(Ignored.class);
    }

    @Test
    void aGitLabBranchDeletionIsIgnored() {
        byte[] body = bytes(PushPayloads.gitlab("refs/heads/main", ZEROS, null));
        assertThat(verify(gitlab("Push Hook", SECRET, "u3"), body))
                .isEqualTo(new Ignored(GitHost.GITLAB, "branch 'main' was deleted", Optional.of("gitlab:u3")));
    }

    @Test
    void aSignedGiteaPushDeploys() {
        byte[] body = bytes(PushPayloads.gitea("refs/heads/main", COMMIT));
        assertThat(verify(gitea(WebhookVerifier.sign(body, SECRET), "42"), body))
                .isEqualTo(new Deploy(GitHost.GITEA, "main", COMMIT, Optional.of("gitea:42"), Optional.of("https://gitea.example.com/gitea/site.git")));
    }

    @Test
    void aGiteaPushIsCheckedWithGiteasSignatureEvenThoughItAlsoSendsGitHubHeaders() {
        byte[] body = bytes(PushPayloads.gitea("refs/heads/main", COMMIT));
        Map<String, String> headers = gitea("00".repeat(32), "43");
        headers.put("X-GitHub-Event", "push");
        headers.put("X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(body, SECRET));
        assertThat(verify(headers, body)).isEqualTo(new Rejected(Cause.UNAUTHENTICATED, "the X-Gitea-Signature signature does not match the body"));
    }

    @Test
    void anUnsignedGiteaPushIsRejected() {
        assertThat(verify(gitea(null, "44"), bytes(PushPayloads.gitea("refs/heads/main", COMMIT)))).isInstanceOf(Rejected.class);
    }

    @Test
    void aRequestFromNoKnownHostIsRejected() {
        assertThat(verify(new TreeMap<>(), bytes("{}"))).isEqualTo(new Rejected(Cause.UNKNOWN_SENDER,
                "the request carries no GitHub, GitLab or Gitea event header"));
    }

    @Test
    void aSignedBodyThatIsNotJsonIsMalformed() {
        byte[] body = bytes("not json");
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "d6"), body))
                .isEqualTo(new Rejected(Cause.MALFORMED_PAYLOAD, "the push payload is not JSON"));
    }

    @Test
    void aSignedPushWithoutAValidCommitIsMalformed() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", "not-a-sha", false));
        assertThat(verify(github("push", "sha256=" + WebhookVerifier.sign(body, SECRET), "d7"), body))
                .isEqualTo(new Rejected(Cause.MALFORMED_PAYLOAD, "the push payload has no valid commit id"));
    }

    @Test
    void oddDeliveryIdsAreNotUsedForDeduplication() {
        assertThat(WebhookVerifier.deliveryId(lookup(github("push", null, "id with spaces\n")))).isEmpty();
        assertThat(WebhookVerifier.deliveryId(lookup(github("push", null, "x".repeat(129))))).isEmpty();
    }

    @Test
    void aSiteWithoutASecretRejectsEverything() {
        byte[] body = bytes(PushPayloads.github("refs/heads/main", COMMIT, false));
        assertThat(verifier.verify(lookup(github("push", "sha256=" + "00".repeat(32), "d8")), body, "", BRANCH))
                .isInstanceOf(Rejected.class);
    }

    private WebhookOutcome verify(Map<String, String> headers, byte[] body) {
        return verifier.verify(lookup(headers), body, SECRET, BRANCH);
    }

    private static Function<String, String> lookup(Map<String, String> headers) {
        TreeMap<String, String> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        caseInsensitive.putAll(headers);
        return caseInsensitive::get;
    }

    private static Map<String, String> github(String event, String signature, String delivery) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-GitHub-Event", event);
        headers.put("X-GitHub-Delivery", delivery);
        headers.put("User-Agent", "GitHub-Hookshot/044aadd");
        headers.put("Content-Type", "application/json");
        if (signature != null) {
            headers.put("X-Hub-Signature-256", signature);
        }
        return headers;
    }

    private static Map<String, String> gitlab(String event, String token, String uuid) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-Gitlab-Event", event);
        headers.put("X-Gitlab-Event-UUID", uuid);
        headers.put("X-Gitlab-Instance", "https://gitlab.example.com");
        if (token != null) {
            headers.put("X-Gitlab-Token", token);
        }
        return headers;
    }

    private static Map<String, String> gitea(String signature, String delivery) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-Gitea-Event", "push");
        headers.put("X-Gitea-Event-Type", "push");
        headers.put("X-Gitea-Delivery", delivery);
        if (signature != null) {
            headers.put("X-Gitea-Signature", signature);
        }
        return headers;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
