package dev.berth.api.deploys;

import dev.berth.hostprotocol.rules.RuleException;
import dev.berth.hostprotocol.rules.ServingRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks a release's serving rules at deploy time: the {@code _redirects} and {@code _headers} at
 * the root of its normalized tar go through {@link ServingRules}, the parser hostd runs again, so a
 * bad rule fails the deploy with its file and line before anything reaches a host (the live
 * release stays live).
 */
final class ReleaseRulesCheck {
    private ReleaseRulesCheck() {
    }

    /**
     * @return the parsed rules (empty without either file)
     * @throws ContentRefusedException {@code SERVING_RULE}, naming the file and line
     */
    static ServingRules check(Path tar) throws IOException {
        byte[] redirects = null;
        byte[] headers = null;
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar), "UTF-8")) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                if (entry.getName().equals(ServingRules.REDIRECTS_FILE)) {
                    redirects = in.readNBytes(ServingRules.MAX_FILE_BYTES + 1);
                } else if (entry.getName().equals(ServingRules.HEADERS_FILE)) {
                    headers = in.readNBytes(ServingRules.MAX_FILE_BYTES + 1);
                }
            }
        }
        try {
            return ServingRules.parse(redirects, headers);
        } catch (RuleException broken) {
            throw new ContentRefusedException(ContentRefusedException.Rule.SERVING_RULE, broken.file(), broken.getMessage());
        }
    }
}
