package dev.berth.api.deploys;

import dev.berth.api.deploys.git.DeployKeys;
import dev.berth.api.deploys.git.GitCredentials;
import dev.berth.api.platform.SecretBox;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Seals and opens the credentials of Git sources: an access token or a deploy key's private half,
 * each bound to its site and kind (a sealed token copied to another site, or used as a key, does
 * not open). Thread-safe.
 */
public final class GitSourceSecrets {
    private final SecretBox box;

    public GitSourceSecrets(SecretBox box) {
        this.box = box;
    }

    String sealToken(UUID siteId, String token) {
        return box.seal(token.getBytes(StandardCharsets.UTF_8), context(siteId, DeployDao.GitSource.TOKEN));
    }

    String sealDeployKey(UUID siteId, byte[] privateKeyPkcs8) {
        return box.seal(privateKeyPkcs8, context(siteId, DeployDao.GitSource.DEPLOY_KEY));
    }

    /** What a fetch of {@code source} proves access with. */
    GitCredentials credentials(DeployDao.GitSource source) {
        return switch (source.credential()) {
            case DeployDao.GitSource.TOKEN -> new GitCredentials.Token(source.tokenUsername(),
                    new String(box.open(source.secretSealed(), context(source.siteId(), DeployDao.GitSource.TOKEN)), StandardCharsets.UTF_8));
            case DeployDao.GitSource.DEPLOY_KEY -> new GitCredentials.DeployKey(DeployKeys.keyPair(
                    box.open(source.secretSealed(), context(source.siteId(), DeployDao.GitSource.DEPLOY_KEY)), source.deployPublicKey()),
                    source.knownHostKey());
            default -> GitCredentials.NONE;
        };
    }

    private static String context(UUID siteId, String kind) {
        return "git-source:" + siteId + ":" + kind;
    }
}
