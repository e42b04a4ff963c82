package dev.berth.hostd.proxy;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.rules.RuleException;
import dev.berth.hostprotocol.rules.ServingRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Function;

/**
 * What an installed release asks of the proxy: its {@code _redirects} and {@code _headers}, parsed
 * again here by the parser the API ran at deploy time ({@link ServingRules}) and compiled for the
 * route record, and whether it holds a {@code 404.html}. A port, so that tests of the proxy can
 * name rules without a release directory.
 */
@FunctionalInterface
public interface ReleaseRules {
    /** The compiled rules ({@code ""} without any) and whether {@code /404.html} is a file of the release. */
    record Served(String rules, boolean notFoundPage) {
        public static final Served NONE = new Served("", false);
    }

    /** Nothing: releases served by their files only. */
    ReleaseRules NONE = (siteId, release) -> Served.NONE;

    /**
     * The release's serving rules.
     *
     * @throws HostOperationException when a rule breaks the grammar or a bound (the API refuses such a
     *                                release first; hostd does not trust that), or the files cannot be read
     */
    Served of(UUID siteId, String release) throws HostOperationException;

    /**
     * Reads the files at the root of {@code releases(siteId)/RELEASE}. Releases are immutable and hold
     * regular files only (hostd refuses anything else at install), and a link is not followed here either.
     */
    static ReleaseRules files(Function<UUID, Path> releases) {
        return (siteId, release) -> {
            Path directory = releases.apply(siteId).resolve(release);
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                return Served.NONE;
            }
            try {
                ServingRules rules = ServingRules.parse(read(directory.resolve(ServingRules.REDIRECTS_FILE)),
                        read(directory.resolve(ServingRules.HEADERS_FILE)));
                return new Served(rules.compile(), Files.isRegularFile(directory.resolve("404.html"), LinkOption.NOFOLLOW_LINKS));
            } catch (RuleException e) {
                throw new HostOperationException("release " + release + " has a bad serving rule: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new HostOperationException("cannot read the serving rules of release " + release + ": " + e.getMessage(), e);
            }
        };
    }

    /** A rules file's bytes, null when absent; one byte over the bound is enough for the parser to refuse it. */
    private static byte[] read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(ServingRules.MAX_FILE_BYTES + 1);
        }
    }
}
