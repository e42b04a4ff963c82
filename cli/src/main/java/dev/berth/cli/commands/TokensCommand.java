package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.sdk.api.TokensApi;
import dev.berth.sdk.model.CreateTokenRequest;
import dev.berth.sdk.model.CreatedToken;
import dev.berth.sdk.model.PersonalAccessToken;
import dev.berth.sdk.model.TokenScope;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth tokens ls|create|revoke}: personal access tokens. The API manages tokens only with a
 * login session, so these log in with the user's password for the command ({@link PasswordLogin}).
 */
@Command(name = "tokens", description = "Your personal access tokens (asks for your password: BERTH_PASSWORD, a prompt or standard input).",
        subcommands = {TokensCommand.Ls.class, TokensCommand.Create.class, TokensCommand.Revoke.class})
public final class TokensCommand extends GroupCommand {

    /** {@code --email}: whose password (default: BERTH_EMAIL, or the account berth login saw). */
    static final class EmailOption {
        @Option(names = "--email", paramLabel = "EMAIL", description = "your account (default: BERTH_EMAIL, or the one berth login saw)")
        String email;
    }

    @Command(name = "ls", description = "List your tokens (never their secrets).")
    static final class Ls extends ApiCommand {
        @Mixin
        OutputOption output;
        @Mixin
        EmailOption account;

        @Override
        public Integer call() throws Exception {
            try (PasswordLogin login = PasswordLogin.open(io(), account.email)) {
                return list(login.session());
            }
        }

        private int list(Session session) throws Exception {
            List<PersonalAccessToken> tokens = new TokensApi(session.client()).listTokens().getItems();
            if (output.json()) {
                printer(session).json(tokens);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (PersonalAccessToken token : tokens) {
                rows.add(List.of(token.getId().toString(), token.getName(), token.getPrefix() + "...", scopes(token.getScopes()),
                        SitesCommand.nonNull(token.getSiteName()), SitesCommand.nonNull(token.getExpiresAt()),
                        SitesCommand.nonNull(token.getLastUsedAt())));
            }
            printer(session).table(List.of("ID", "NAME", "PREFIX", "SCOPES", "SITE", "EXPIRES", "LAST USED"), rows);
            return ExitCodes.OK;
        }
    }

    @Command(name = "create", description = "Create a token; its secret is printed once, on standard output.")
    static final class Create extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "what the token is for, e.g. ci")
        String name;
        @Option(names = "--scope", paramLabel = "SCOPE", split = ",", defaultValue = "read",
                description = "read and/or write (default ${DEFAULT-VALUE}); repeat or separate with commas")
        List<TokenScope> scopes;
        @Option(names = "--site", paramLabel = "NAME", description = "limit the token to this site")
        String site;
        @Option(names = "--expires-in-days", paramLabel = "DAYS", description = "omit for a token that does not expire")
        Integer expiresInDays;
        @Mixin
        OutputOption output;
        @Mixin
        EmailOption account;

        @Override
        public Integer call() throws Exception {
            try (PasswordLogin login = PasswordLogin.open(io(), account.email)) {
                return create(login.session());
            }
        }

        private int create(Session session) throws Exception {
            CreatedToken created = new TokensApi(session.client()).createToken(new CreateTokenRequest().name(name)
                    .scopes(List.copyOf(new java.util.LinkedHashSet<>(scopes))).siteName(site).expiresInDays(expiresInDays));
            if (output.json()) {
                printer(session).json(created);
            } else {
                // The secret alone on standard output, so that TOKEN=$(berth tokens create ci) works.
                printer(session).line(created.getToken());
                io().err().println("Created token " + created.getName() + " (" + created.getId() + "); its secret above is shown only once");
                io().err().flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", description = "Revoke a token by its id or its name.")
    static final class Revoke extends ApiCommand {
        @Parameters(paramLabel = "ID|NAME", description = "the token's id, or its name when no other token has it")
        String token;
        @Mixin
        EmailOption account;

        @Override
        public Integer call() throws Exception {
            try (PasswordLogin login = PasswordLogin.open(io(), account.email)) {
                return revoke(login.session());
            }
        }

        private int revoke(Session session) throws Exception {
            TokensApi tokens = new TokensApi(session.client());
            UUID id = parseId(token);
            if (id == null) {
                List<PersonalAccessToken> named = tokens.listTokens().getItems().stream().filter(t -> t.getName().equals(token)).toList();
                if (named.isEmpty()) {
                    throw new CliException(ExitCodes.NOT_FOUND, "no token named " + token);
                }
                if (named.size() > 1) {
                    throw new CliException(ExitCodes.USAGE, named.size() + " tokens are named " + token + "; revoke one by its id");
                }
                id = named.get(0).getId();
            }
            tokens.deleteToken(id);
            printer(session).line("revoked " + id);
            return ExitCodes.OK;
        }
    }

    static UUID parseId(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
    }

    private static String scopes(List<TokenScope> scopes) {
        return String.join(",", scopes.stream().map(TokenScope::getValue).toList());
    }
}
