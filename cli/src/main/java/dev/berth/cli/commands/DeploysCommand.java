package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Progress;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.Deploy;
import dev.berth.sdk.model.DeployList;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code berth deploys ls --site NAME}. */
@Command(name = "deploys", description = "A site's deploy history.", subcommands = DeploysCommand.Ls.class)
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
            if (limit < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1");
            }
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
}
