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
 * When the account has two-factor sign-in on (the API answers {@code totp-required}), the code of
 * its authenticator app (or a recovery code) comes from {@code BERTH_TOTP_CODE}, a prompt, or the
 * next line of standard input.
 */
final class PasswordLogin implements AutoCloseable {
    static final String EMAIL_VARIABLE = "BERTH_EMAIL";
    static final String PASSWORD_VARIABLE = "BERTH_PASSWORD";
    static final String TOTP_CODE_VARIABLE = "BERTH_TOTP_CODE";
    private static final String TOTP_REQUIRED = "https://berth.dev/problems/totp-required";

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
            password = io.secret("Password for %s: ", email);
        }
        if (password == null || password.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "no password: set " + PASSWORD_VARIABLE + " or give it on standard input");
        }
        AuthApi auth = new AuthApi(Session.anonymous(api).client());
        LoginRequest request = new LoginRequest().email(email).password(password);
        TokenPair pair;
        try {
            pair = auth.login(request);
        } catch (ApiException refused) {
            if (refused.getCode() != 401 || refused.getResponseBody() == null || !refused.getResponseBody().contains(TOTP_REQUIRED)) {
                throw refused;
            }
            // The password was right and the account signs in with two factors: the same login again, with a code.
            String code = secondFactor(io, email);
            pair = auth.login(code.matches("\\d{6}") ? request.totpCode(code) : request.recoveryCode(code));
        }
        return new PasswordLogin(Session.of(api, pair.getAccessToken()), api, pair.getRefreshToken());
    }

    /** The authenticator app's code (or a recovery code): {@code BERTH_TOTP_CODE}, a prompt at a terminal, or the next line of standard input. */
    private static String secondFactor(Io io, String email) {
        String code = io.env(TOTP_CODE_VARIABLE);
        if (code == null) {
            code = io.interactive()
                    ? io.console().readLine("Code from your authenticator app for %s (or a recovery code): ", email)
                    : io.readLine();
        }
        if (code == null || code.isBlank()) {
            throw new CliException(ExitCodes.USAGE, "this account signs in with two factors: set " + TOTP_CODE_VARIABLE
                    + " to the code of your authenticator app (or a recovery code), or give it on the line after the password");
        }
        return code.replaceAll("\\s", "");
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
