package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.sdk.api.ProtectionApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth unprotect --site NAME}: opens a protected site to everybody again. */
@Command(name = "unprotect", description = "Remove a site's password and address protection.")
public final class UnprotectCommand extends ApiCommand {
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;

    @Override
    public Integer call() throws Exception {
        Session session = session();
        new ProtectionApi(session.client()).deleteSiteProtection(site);
        printer(session).line(site + " is open to everybody");
        return ExitCodes.OK;
    }
}
