package dev.berth.e2e;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A GitHub push delivery: the payload in the shape GitHub documents for push events (abridged to
 * the fields that matter), and its headers with {@code X-Hub-Signature-256: sha256=HMAC}.
 */
public final class GitHubPush {
    private GitHubPush() {
    }

    public static byte[] payload(String ref, String after, String cloneUrl) {
        return """
                {
                  "ref": "%1$s",
                  "before": "0000000000000000000000000000000000000000",
                  "after": "%2$s",
                  "created": true,
                  "deleted": false,
                  "forced": false,
                  "base_ref": null,
                  "compare": "https://github.com/octo-org/site/compare/%2$s",
                  "commits": [
                    {
                      "id": "%2$s",
                      "distinct": true,
                      "message": "Update the site",
                      "timestamp": "2026-11-29T03:00:00+00:00",
                      "author": {"name": "Mona", "email": "mona@example.com", "username": "mona"},
                      "committer": {"name": "Mona", "email": "mona@example.com", "username": "mona"},
                      "added": ["public/index.html"], "removed": [], "modified": []
                    }
                  ],
                  "head_commit": {"id": "%2$s", "message": "Update the site"},
                  "repository": {
                    "id": 1296269,
                    "name": "site",
                    "full_name": "octo-org/site",
                    "private": false,
                    "owner": {"login": "octo-org", "id": 1},
                    "clone_url": "%3$s",
                    "default_branch": "main"
                  },
                  "pusher": {"name": "mona", "email": "mona@example.com"},
                  "sender": {"login": "mona", "id": 2}
                }
                """.formatted(ref, after, cloneUrl).getBytes(StandardCharsets.UTF_8);
    }

    /** Headers of a push delivery signed with {@code secret}, with a fresh delivery id. */
    public static Map<String, String> headers(byte[] payload, String secret) {
        return Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", UUID.randomUUID().toString(),
                "X-Hub-Signature-256", "sha256=" + sign(payload, secret));
    }

    /** Hex HMAC-SHA256 of the body, as GitHub computes it. */
    public static String sign(byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
