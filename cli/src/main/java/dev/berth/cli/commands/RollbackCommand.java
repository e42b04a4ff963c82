package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.model.Deploy;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth rollback --site NAME [DEPLOY]}: serves an earlier deploy's content again. Without
 * DEPLOY, the deploy that was live before the current one (the newest {@code superseded}).
 */
@Command(name = "rollback", description = "Serve an earlier deploy again (default: the one live before the current one).")
public final class RollbackCommand extends ApiCommand {
    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Parameters(arity = "0..1", paramLabel = "DEPLOY", description = "the deploy's id (berth deploys ls)")
    UUID deployId;
    @Mixin
    WaitOption waiting;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        Session session = session();
        DeploysApi deploys = new DeploysApi(session.client());
        UUID target = deployId;
        if (target == null) {
            List<Deploy> history = DeploysCommand.newestFirst(deploys, site, 200);
            target = history.stream().filter(deploy -> deploy.getStatus() == Deploy.StatusEnum.SUPERSEDED).findFirst()
                    .map(Deploy::getId)
                    .orElseThrow(() -> new CliException(ExitCodes.NOT_FOUND, "no earlier live deploy of " + site + " to roll back to"));
        }
        Deploy rollback = deploys.rollbackDeploy(site, target);
        if (!waiting.noWait) {
            rollback = Waits.deploy(io(), deploys, site, rollback, waiting.timeout());
        }
        if (output.json()) {
            printer(session).json(rollback);
        } else {
            printer(session).line(waiting.noWait ? "rollback to " + target + " accepted (deploy " + rollback.getId() + ")"
                    : site + " serves deploy " + target + " again (deploy " + rollback.getId() + ")");
        }
        return ExitCodes.OK;
    }
}
