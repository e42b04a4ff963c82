package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Progress;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.Deploy;
import dev.berth.sdk.model.DeployList;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth deploys ls --site NAME} and {@code berth deploys download SITE DEPLOY [-o FILE]}. */
@Command(name = "deploys", description = "A site's deploy history.", subcommands = {DeploysCommand.Ls.class, DeploysCommand.Download.class})
public final class DeploysCommand extends GroupCommand {

    /** A site's deploys, newest first, at most {@code max}. */
    static List<Deploy> newestFirst(DeploysApi deploys, String site, int max) throws ApiException {
        List<Deploy> all = new ArrayList<>();
        String cursor = null;
        do {
            DeployList page = deploys.listDeploys(site, cursor, Math.min(200, max - all.size()));
            all.addAll(page.getItems());
            cursor = page.getNextCursor();
        } while (cursor != null && all.size() < max);
        return all;
    }

    @Command(name = "ls", description = "List a site's deploys, newest first.")
    static final class Ls extends ApiCommand {
        @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
        String site;
        @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "how many (default ${DEFAULT-VALUE})")
        int limit;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            requirePositiveLimit(limit);
            Session session = session();
            List<Deploy> deploys = newestFirst(new DeploysApi(session.client()), site, limit);
            if (output.json()) {
                printer(session).json(deploys);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (Deploy deploy : deploys) {
                rows.add(List.of(deploy.getId().toString(), deploy.getStatus().getValue() + (Boolean.TRUE.equals(deploy.getLive()) ? " *" : ""),
                        deploy.getSource().getValue(), SitesCommand.nonNull(deploy.getCommit()),
                        deploy.getFiles() == null ? "" : deploy.getFiles().toString(),
                        deploy.getBytes() == null ? "" : Progress.size(deploy.getBytes()), deploy.getCreatedAt().toString(),
                        SitesCommand.nonNull(deploy.getError())));
            }
            printer(session).table(List.of("ID", "STATUS", "SOURCE", "COMMIT", "FILES", "SIZE", "CREATED", "ERROR"), rows);
            return ExitCodes.OK;
        }
    }

    /**
     * Saves the content a deploy published as a tar.gz, from the platform's content store: exactly
     * what the host installed. Releases no longer kept are gone (exit 4).
     */
    @Command(name = "download", description = "Save the content a deploy published, as a tar.gz.")
    static final class Download extends ApiCommand {
        @Parameters(index = "0", paramLabel = "SITE", description = "the site")
        String site;
        @Parameters(index = "1", paramLabel = "DEPLOY", description = "the deploy's id (berth deploys ls)")
        UUID deployId;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to save it (default: SITE-DEPLOY.tar.gz)")
        Path output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            Path target = output == null ? Path.of(site + "-" + deployId + ".tar.gz") : output;
            File downloaded = new DeploysApi(session.client()).downloadDeployArchive(site, deployId);
            try {
                Files.move(downloaded.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(downloaded.toPath());
            }
            printer(session).line("saved deploy " + deployId + " of " + site + " to " + target + " (" + Progress.size(Files.size(target)) + ")");
            return ExitCodes.OK;
        }
    }
}
