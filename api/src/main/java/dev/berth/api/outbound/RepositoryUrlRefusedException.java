package dev.berth.api.outbound;

import java.io.IOException;

/**
 * A repository URL, or an address it leads to, is not allowed; the message states the rule.
 * An {@link IOException} so that it can surface from JGit's connection factory.
 */
public final class RepositoryUrlRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public RepositoryUrlRefusedException(String message) {
        super(message);
    }
}
