package dev.berth.api.deploys.git;

import java.security.KeyPair;
import java.util.Objects;

/**
 * How a fetch proves access to a private repository: nothing (public), an HTTPS access token, or the
 * site's SSH deploy key with the host key the site trusts. Values, held only for one fetch: the
 * stored forms are sealed (see {@code DeployService}).
 */
public sealed interface GitCredentials {
    /** A public repository. */
    GitCredentials NONE = new None();

    /** No credentials: the repository is public. */
    record None() implements GitCredentials {
    }

    /**
     * HTTP basic {@code username:token}, sent only after the server asks (401) and only to the
     * repository's own origin: a redirect elsewhere is refused.
     */
    record Token(String username, String token) implements GitCredentials {
        public Token {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Token[username=" + username + ", token=(hidden)]";
        }
    }

    /**
     * The site's deploy key. {@code knownHostKey} is the server's key in OpenSSH form the site
     * trusts, or null before the first fetch (trust on first use: the fetch accepts and reports it).
     */
    record DeployKey(KeyPair keyPair, String knownHostKey) implements GitCredentials {
        public DeployKey {
            Objects.requireNonNull(keyPair, "keyPair");
        }

        @Override
        public String toString() {
            return "DeployKey[knownHostKey=" + knownHostKey + "]";
        }
    }
}
