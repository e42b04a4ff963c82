package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.ServingApi;
import dev.berth.sdk.api.SitesApi;
import dev.berth.sdk.model.SiteServing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth serving --site NAME [--spa true|false] [--clean-urls true|false]}: sets a site's
 * serving switches; a switch not named keeps its current value (read from the site first).
 */
@Command(name = "serving", description = "Set a site's SPA fallback and clean URLs (the switches not named stay as they are).")
public final class ServingCommand extends ApiCommand {
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Option(names = "--spa", arity = "1", paramLabel = "true|false", description = "serve /index.html for paths without a file")
    Boolean spa;
    @Option(names = "--clean-urls", arity = "1", paramLabel = "true|false", description = "/about serves about.html")
    Boolean cleanUrls;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (spa == null && cleanUrls == null) {
            throw new CliException(ExitCodes.USAGE, "name --spa, --clean-urls or both");
        }
        Session session = session();
        SiteServing current = spa != null && cleanUrls != null ? null : new SitesApi(session.client()).getSite(site).getServing();
        SiteServing wanted = new SiteServing()
                .spa(spa != null ? spa : current != null && Boolean.TRUE.equals(current.getSpa()))
                .cleanUrls(cleanUrls != null ? cleanUrls : current != null && Boolean.TRUE.equals(current.getCleanUrls()));
        SiteServing saved = new ServingApi(session.client()).putSiteServing(site, wanted);
        if (output.json()) {
            printer(session).json(saved);
        } else {
            printer(session).line(site + ": spa " + (Boolean.TRUE.equals(saved.getSpa()) ? "on" : "off") + ", clean URLs "
                    + (Boolean.TRUE.equals(saved.getCleanUrls()) ? "on" : "off"));
        }
        return ExitCodes.OK;
    }
}
