package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.cli.Session;
import dev.berth.cli.config.ConfigStore;
import dev.berth.cli.config.Credentials;
import dev.berth.sdk.api.AuthApi;
import dev.berth.sdk.model.Me;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berth login --api URL}: checks a personal access token against the API and keeps it, with
 * the address, in the user's configuration directory (0600). The token comes from
 * {@code BERTH_TOKEN} or standard input (a hidden prompt at a terminal), never from the command
 * line, where other users could read it in the process list.
 */
@Command(name = "login", description = "Keep the API's address and a personal access token (from BERTH_TOKEN or "
        + "standard input) in $XDG_CONFIG_HOME/berth/config.json, mode 0600.")
public final class LoginCommand extends ApiCommand {
    @Option(names = "--api", required = true, paramLabel = "URL", description = "the API's address, e.g. https://berth.example.com")
    String api;

    @Override
    public Integer call() throws Exception {
        Io io = io();
        String apiRoot = Session.normalizeApiRoot(api);
        String token = io.env(Session.TOKEN_VARIABLE);
        if (token == null) {
            token = io.interactive() ? readHidden(io) : io.readLine();
        }
        token = token == null ? "" : token.trim();
        if (token.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "no token: pipe a personal access token (berth_pat_...) into berth login, "
                    + "or set " + Session.TOKEN_VARIABLE + "; create one in the portal under Tokens");
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new CliException(ExitCodes.USAGE, "the token must be one word of printable characters");
        }
        Me me = new AuthApi(Session.of(apiRoot, token).client()).getMe();
        ConfigStore store = ConfigStore.forEnvironment(io.env());
        store.save(new Credentials(apiRoot, token, me.getEmail()));
        io.out().println("Logged in to " + apiRoot + " as " + me.getEmail() + " (tenant " + me.getTenantName() + ")");
        io.err().println("Token kept in " + store.file() + " (mode 0600)");
        io.out().flush();
        io.err().flush();
        return ExitCodes.OK;
    }

    private static String readHidden(Io io) {
        char[] typed = io.console().readPassword("Personal access token: ");
        return typed == null ? null : new String(typed);
    }
}
