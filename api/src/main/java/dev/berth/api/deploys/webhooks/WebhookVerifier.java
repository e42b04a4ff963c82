package dev.berth.api.deploys.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.deploys.webhooks.WebhookOutcome.BranchDeleted;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Deploy;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Ignored;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Rejected;
import dev.berth.api.deploys.webhooks.WebhookOutcome.Rejected.Cause;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a push webhook and says what it deploys: a push to the site's branch deploys the site,
 * a push to another branch that branch's preview; deleting another branch removes its preview.
 *
 * <ul>
 *   <li>GitHub: {@code X-Hub-Signature-256: sha256=HEX}, the HMAC-SHA256 of the raw body;
 *       {@code X-GitHub-Event} push or ping; {@code X-GitHub-Delivery}.
 *   <li>GitLab: {@code X-Gitlab-Token} equal to the secret; {@code X-Gitlab-Event: Push Hook};
 *       {@code X-Gitlab-Event-UUID} (or {@code Idempotency-Key}) as delivery id.
 *   <li>Gitea and Forgejo: {@code X-Gitea-Signature} (or {@code X-Forgejo-Signature}), HEX HMAC-SHA256
 *       of the raw body; {@code X-Gitea-Event} (or {@code X-Forgejo-Event}); {@code X-Gitea-Delivery}.
 *       Gitea also sends GitHub's headers, so it is recognised first.
 * </ul>
 *
 * <p>The signature is checked, in constant time, before the body is parsed. The body must be the
 * exact bytes received (not re-serialized JSON) and should be bounded by the caller (1 MiB is ample).
 * Thread-safe.
 */
public final class WebhookVerifier {
    private static final Pattern COMMIT_ID = Pattern.compile("^([0-9a-f]{40}|[0-9a-f]{64})$");
    private static final Pattern ZEROS = Pattern.compile("^0+$");
    private static final Pattern DELIVERY_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");
    /** A branch Berth fetches: the rule a site's own branch follows too. */
    private static final Pattern BRANCH = Pattern.compile("^[A-Za-z0-9._][A-Za-z0-9._/-]{0,254}$");
    private static final String HEADS = "refs/heads/";
    private static final String TAGS = "refs/tags/";

    private final ObjectMapper json;

    public WebhookVerifier(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param header looks a request header up by name, case-insensitively (JAX-RS's
     *     {@code HttpHeaders::getHeaderString}); null when absent
     * @param rawBody the request body exactly as received
     * @param secret the site's webhook secret
     * @param siteBranch the branch the site deploys (its deletion is ignored)
     */
    public WebhookOutcome verify(Function<String, String> header, byte[] rawBody, String secret, String siteBranch) {
        Optional<GitHost> host = hostOf(header);
        if (host.isEmpty()) {
            return new Rejected(Cause.UNKNOWN_SENDER, "the request carries no GitHub, GitLab or Gitea event header");
        }
        if (secret == null || secret.isEmpty()) {
            return new Rejected(Cause.UNAUTHENTICATED, "the site has no webhook secret");
        }
        Optional<String> failure = switch (host.get()) {
            case GITHUB -> checkHmac(stripPrefix(header.apply("X-Hub-Signature-256"), "sha256="), rawBody, secret, "X-Hub-Signature-256");
            case GITEA -> checkHmac(first(header, "X-Gitea-Signature", "X-Forgejo-Signature"), rawBody, secret, "X-Gitea-Signature");
            case GITLAB -> checkToken(header.apply("X-Gitlab-Token"), secret);
        };
        if (failure.isPresent()) {
            return new Rejected(Cause.UNAUTHENTICATED, failure.get());
        }
        Optional<String> deliveryId = deliveryId(header);
        String event = switch (host.get()) {
            case GITHUB -> header.apply("X-GitHub-Event");
            case GITEA -> first(header, "X-Gitea-Event", "X-Forgejo-Event");
            case GITLAB -> header.apply("X-Gitlab-Event");
        };
        boolean push = host.get() == GitHost.GITLAB ? "Push Hook".equals(event) : "push".equals(event);
        if (!push) {
            return new Ignored(host.get(), "event '" + printable(event) + "' is not a push", deliveryId);
        }
        return readPush(host.get(), rawBody, siteBranch, deliveryId);
    }

    /**
     * The delivery id of a request, for replay de-duplication, or empty if it has none or an odd
     * one. Record it only after {@link #verify} returned {@link Deploy} or {@link Ignored}.
     */
    public static Optional<String> deliveryId(Function<String, String> header) {
        Optional<GitHost> host = hostOf(header);
        if (host.isEmpty()) {
            return Optional.empty();
        }
        String id = switch (host.get()) {
            case GITHUB -> header.apply("X-GitHub-Delivery");
            case GITEA -> first(header, "X-Gitea-Delivery", "X-Forgejo-Delivery");
            case GITLAB -> first(header, "X-Gitlab-Event-UUID", "Idempotency-Key");
        };
        return id != null && DELIVERY_ID.matcher(id.trim()).matches() ? Optional.of(host.get().name().toLowerCase(Locale.ROOT) + ":"
                + id.trim()) : Optional.empty();
    }

    /** Which host sent the request, by its event header. */
    public static Optional<GitHost> hostOf(Function<String, String> header) {
        if (header.apply("X-Gitea-Event") != null || header.apply("X-Forgejo-Event") != null) {
            return Optional.of(GitHost.GITEA);
        }
        if (header.apply("X-Gitlab-Event") != null) {
            return Optional.of(GitHost.GITLAB);
        }
        if (header.apply("X-GitHub-Event") != null) {
            return Optional.of(GitHost.GITHUB);
        }
        return Optional.empty();
    }

    /** HEX HMAC-SHA256 of {@code body} under {@code secret}, as GitHub and Gitea sign. */
    public static String sign(byte[] body, String secret) {
        return HexFormat.of().formatHex(hmac(body, secret));
    }

    private WebhookOutcome readPush(GitHost host, byte[] rawBody, String siteBranch, Optional<String> deliveryId) {
        JsonNode payload;
        try {
            payload = json.readTree(rawBody);
        } catch (IOException unreadable) {
            return new Rejected(Cause.MALFORMED_PAYLOAD, "the push payload is not JSON");
        }
        if (payload == null || !payload.isObject()) {
            return new Rejected(Cause.MALFORMED_PAYLOAD, "the push payload is not a JSON object");
        }
        String ref = payload.path("ref").asText("");
        if (ref.startsWith(TAGS)) {
            return new Ignored(host, "tag pushes do not deploy", deliveryId);
        }
        if (!ref.startsWith(HEADS) || ref.length() == HEADS.length()) {
            return new Ignored(host, "ref '" + printable(ref) + "' is not a branch", deliveryId);
        }
        String branch = ref.substring(HEADS.length());
        if (!BRANCH.matcher(branch).matches() || branch.endsWith("/") || branch.contains("..")) {
            return new Ignored(host, "branch '" + printable(branch) + "' is not a branch name Berth deploys", deliveryId);
        }
        String after = payload.path("after").asText("");
        String commit = host == GitHost.GITLAB && payload.path("checkout_sha").isTextual() ? payload.path("checkout_sha").asText() : after;
        // GitHub and Gitea say deleted: true; all three send an all-zero "after".
        if (payload.path("deleted").asBoolean(false) || ZEROS.matcher(after).matches()) {
            return branch.equals(siteBranch) ? new Ignored(host, "branch '" + printable(branch) + "' was deleted", deliveryId)
                    : new BranchDeleted(host, branch, deliveryId);
        }
        if (!COMMIT_ID.matcher(commit).matches()) {
            return new Rejected(Cause.MALFORMED_PAYLOAD, "the push payload has no valid commit id");
        }
        return new Deploy(host, branch, commit, deliveryId, repositoryUrl(host, payload));
    }

    private static Optional<String> repositoryUrl(GitHost host, JsonNode payload) {
        JsonNode url = host == GitHost.GITLAB
                ? payload.path("project").path("git_http_url").isTextual() ? payload.path("project").path("git_http_url")
                        : payload.path("repository").path("git_http_url")
                : payload.path("repository").path("clone_url");
        return url.isTextual() ? Optional.of(url.asText()) : Optional.empty();
    }

    private static Optional<String> checkHmac(String providedHex, byte[] body, String secret, String headerName) {
        if (providedHex == null || providedHex.isBlank()) {
            return Optional.of("the " + headerName + " header is missing");
        }
        byte[] provided;
        try {
            provided = HexFormat.of().parseHex(providedHex.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException notHex) {
            return Optional.of("the " + headerName + " header is not hexadecimal");
        }
        return MessageDigest.isEqual(hmac(body, secret), provided) ? Optional.empty()
                : Optional.of("the " + headerName + " signature does not match the body");
    }

    private static Optional<String> checkToken(String provided, String secret) {
        if (provided == null || provided.isEmpty()) {
            return Optional.of("the X-Gitlab-Token header is missing");
        }
        // Hashing first gives both sides the same length, so the comparison leaks nothing, not even length.
        return MessageDigest.isEqual(sha256(provided), sha256(secret)) ? Optional.empty()
                : Optional.of("the X-Gitlab-Token header does not match the secret");
    }

    private static byte[] hmac(byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException impossible) {
            throw new IllegalStateException("HmacSHA256 is required by the Java platform", impossible);
        }
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", impossible);
        }
    }

    private static String stripPrefix(String value, String prefix) {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        return trimmed.regionMatches(true, 0, prefix, 0, prefix.length()) ? trimmed.substring(prefix.length()) : "";
    }

    private static String first(Function<String, String> header, String name, String alternative) {
        String value = header.apply(name);
        return value != null ? value : header.apply(alternative);
    }

    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return cut.replaceAll("[\\p{Cntrl}']", "?");
    }
}
