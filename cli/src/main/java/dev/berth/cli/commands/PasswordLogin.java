package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.cli.Session;
import dev.berth.cli.config.ConfigStore;
import dev.berth.cli.config.Credentials;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.api.AuthApi;
import dev.berth.sdk.model.LoginRequest;
import dev.berth.sdk.model.RefreshRequest;
import dev.berth.sdk.model.TokenPair;

/**
 * A short login session for what a personal access token may not do: the API manages tokens only
 * with a login session (a token cannot mint tokens), so {@code berth tokens} logs in with the
 * user's password for the one command and logs out afterwards ({@link #close()}). The e-mail
 * address is {@code --email}, {@code BERTH_EMAIL} or the one {@code berth login} saved; the
 * password {@code BERTH_PASSWORD}, a hidden prompt at a terminal, or the first line of standard input.
 */
final class PasswordLogin implements AutoCloseable {
    static final String EMAIL_VARIABLE = "BERTH_EMAIL";
    static final String PASSWORD_VARIABLE = "BERTH_PASSWORD";

    private final Session session;
    private final String apiRoot;
    private final String refreshToken;

    private PasswordLogin(Session session, String apiRoot, String refreshToken) {
        this.session = session;
        this.apiRoot = apiRoot;
        this.refreshToken = refreshToken;
    }

    /**
     * Logs in.
     *
     * @throws CliException {@link ExitCodes#AUTH} when there is no address, {@link ExitCodes#USAGE} without an e-mail or a password
     * @throws ApiException the API's refusal (401 for a wrong password: exit status 3)
     */
    static PasswordLogin open(Io io, String emailOption) throws ApiException {
        Credentials saved = ConfigStore.forEnvironment(io.env()).load().orElse(null);
        String api = io.env(Session.API_VARIABLE) != null ? io.env(Session.API_VARIABLE) : saved == null ? null : saved.api();
        if (api == null) {
            throw new CliException(ExitCodes.AUTH, "not logged in: run berth login --api URL (or set " + Session.API_VARIABLE + ")");
        }
        String email = emailOption != null ? emailOption : io.env(EMAIL_VARIABLE) != null ? io.env(EMAIL_VARIABLE)
                : saved == null ? null : saved.email();
        if (email == null) {
            throw new CliException(ExitCodes.USAGE, "tokens are managed with your password: name your account with --email or "
                    + EMAIL_VARIABLE);
        }
        String password = io.env(PASSWORD_VARIABLE);
        if (password == null) {
            if (io.interactive()) {
                char[] typed = io.console().readPassword("Password for %s: ", email);
                password = typed == null ? null : new String(typed);
            } else {
                password = io.readLine();
            }
        }
        if (password == null || password.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "no password: set " + PASSWORD_VARIABLE + " or give it on standard input");
        }
        TokenPair pair = new AuthApi(Session.anonymous(api).client()).login(new LoginRequest().email(email).password(password));
        return new PasswordLogin(Session.of(api, pair.getAccessToken()), api, pair.getRefreshToken());
    }

    Session session() {
        return session;
    }

    /** Ends the login session (its refresh token is revoked); a failure here changes nothing the command did. */
    @Override
    public void close() {
        try {
            new AuthApi(Session.anonymous(apiRoot).client()).logout(new RefreshRequest().refreshToken(refreshToken));
        } catch (ApiException ignored) {
            // The access token expires in minutes anyway.
        }
    }
}
