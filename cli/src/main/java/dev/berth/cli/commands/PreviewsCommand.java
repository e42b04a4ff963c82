package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.PreviewsApi;
import dev.berth.sdk.model.Preview;
import java.util.ArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code berth previews list SITE}: the branch previews a site's Git pushes deployed. */
@Command(name = "previews", description = "A site's branch previews (a push to another branch deploys BRANCH--SITE).",
        subcommands = {PreviewsCommand.List.class})
public final class PreviewsCommand extends GroupCommand {

    @Command(name = "list", aliases = "ls", description = "List a site's branch previews, by branch.")
    static final class List extends ApiCommand {
        @Parameters(index = "0", paramLabel = "SITE", description = "the site")
        String site;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            java.util.List<Preview> previews = new PreviewsApi(session.client()).listPreviews(site).getItems();
            if (output.json()) {
                printer(session).json(previews);
                return ExitCodes.OK;
            }
            java.util.List<java.util.List<String>> rows = new ArrayList<>();
            for (Preview preview : previews) {
                rows.add(java.util.List.of(preview.getBranch(), preview.getUrl(), preview.getObservedState().getValue(),
                        preview.getLastDeployStatus() == null ? "" : preview.getLastDeployStatus().getValue(),
                        preview.getLastPushAt().toString(), preview.getExpiresAt().toString()));
            }
            printer(session).table(java.util.List.of("BRANCH", "URL", "STATE", "LAST DEPLOY", "LAST PUSH", "EXPIRES"), rows);
            return ExitCodes.OK;
        }
    }
}
