package dev.berth.api.auth;

/** What a login needs beyond a right password: {@link TotpService} (two-factor sign-in). */
@FunctionalInterface
public interface SecondFactor {
    /**
     * Returns when {@code user} may log in with what was sent, having used up the code or recovery
     * code that proved it.
     *
     * @param totpCode     the code of the authenticator app, or null
     * @param recoveryCode an unused recovery code, or null
     * @throws dev.berth.api.platform.ProblemException 401 {@code totp-required} when the account needs
     *         a code and none was sent, 401 {@code totp-invalid} for a wrong, expired or used one
     */
    void verify(UserDao.UserRow user, String totpCode, String recoveryCode);
}
