package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.Deploy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code berth redeploy --site NAME}: deploys the head of the site's configured Git branch now, without a push. */
@Command(name = "redeploy", description = "Deploy the head of the site's Git branch now, without a push.")
public final class RedeployCommand extends ApiCommand {
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Mixin
    WaitOption waiting;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        Session session = session();
        DeploysApi deploys = new DeploysApi(session.client());
        Deploy deploy = deploys.redeploySite(site);
        if (!waiting.noWait) {
            deploy = Waits.deploy(io(), deploys, site, deploy, waiting.timeout());
        }
        if (output.json()) {
            printer(session).json(deploy);
        } else {
            printer(session).line(waiting.noWait ? "deploy " + deploy.getId() + " queued"
                    : "deploy " + deploy.getId() + " of commit " + deploy.getCommit() + (deploy.getStatus() == Deploy.StatusEnum.LIVE
                    ? " is live on " + site : " went live on " + site + " and a newer deploy already replaced it"));
        }
        return ExitCodes.OK;
    }
}
