package dev.berth.cli;

import dev.berth.cli.commands.AdminCommand;
import dev.berth.cli.commands.BuildCommand;
import dev.berth.cli.commands.CompletionCommand;
import dev.berth.cli.commands.DeployCommand;
import dev.berth.cli.commands.GitCommand;
import dev.berth.cli.commands.DeploysCommand;
import dev.berth.cli.commands.PreviewsCommand;
import dev.berth.cli.commands.LoginCommand;
import dev.berth.cli.commands.LogsCommand;
import dev.berth.cli.commands.ProtectCommand;
import dev.berth.cli.commands.ServingCommand;
import dev.berth.cli.commands.RedeployCommand;
import dev.berth.cli.commands.RollbackCommand;
import dev.berth.cli.commands.SitesCommand;
import dev.berth.cli.commands.TokensCommand;
import dev.berth.cli.commands.UnprotectCommand;
import dev.berth.cli.output.Failures;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code berth} command: the root of every subcommand. Subcommands reach the {@link Io} they
 * run with through the root's user object, so a test runs the whole command line with its own
 * streams and environment ({@link #run(Io, String...)}).
 */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = Berth.Version.class,
        description = "Berth from the command line: sites, deploys, access logs, tokens and quotas.%n"
                + "Log in once with a personal access token: berth login --api URL",
        subcommands = {LoginCommand.class, SitesCommand.class, DeployCommand.class, DeploysCommand.class, PreviewsCommand.class, RollbackCommand.class,
                RedeployCommand.class, GitCommand.class, BuildCommand.class,
                ProtectCommand.class, UnprotectCommand.class, ServingCommand.class,
                LogsCommand.class, TokensCommand.class, AdminCommand.class, CompletionCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:done",
            "1:an operation or deploy failed, or a wait timed out",
            "2:usage error (bad command line)",
            "3:not logged in, or the API refused the credentials or permission",
            "4:no such site, deploy, token or tenant",
            "5:conflict with the current state or a quota (name taken, quota reached, rate limited)",
            "6:the API refused the request (invalid input, archive or size)",
            "7:the API could not be reached or failed"})
public final class Berth implements Runnable {
    private final Io io;
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public Berth(Io io) {
        this.io = io;
    }

    /** The streams and environment this command line runs with. */
    public Io io() {
        return io;
    }

    public static void main(String[] args) {
        System.exit(run(Io.system(), args));
    }

    /** Runs one command line and returns its exit status ({@link ExitCodes}). */
    public static int run(Io io, String... args) {
        return commandLine(io).execute(args);
    }

    /** The command line with its streams, error handling and exit codes wired. */
    public static CommandLine commandLine(Io io) {
        CommandLine commandLine = new CommandLine(new Berth(io));
        commandLine.setOut(io.out());
        commandLine.setErr(io.err());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler(new Failures(io));
        return commandLine;
    }

    @Override
    public void run() {
        // "berth" alone: the usage, as an error (nothing was done).
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The version of the jar (its manifest), "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Berth.class.getPackage().getImplementationVersion();
            return new String[] {"berth " + (version == null ? "dev" : version)};
        }
    }
}
