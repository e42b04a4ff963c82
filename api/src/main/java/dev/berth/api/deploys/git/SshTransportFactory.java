package dev.berth.api.deploys.git;

import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.outbound.RepositoryUrlRefusedException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * JGit's SSH transport (Apache MINA sshd) set up for one fetch with a deploy key, and nothing of the
 * host: no ~/.ssh/config, known_hosts, identities, agent or proxy; the home directory is the fetch's
 * own temporary one. The URL is rewritten to the address the {@link RepositoryUrlPolicy} checked,
 * so DNS is not asked again between the check and the connection (no rebinding), and the address
 * the connection reached is checked once more when the server shows its key.
 *
 * <p>Host keys: trust on first use. Without a known key the server's key is accepted and reported
 * ({@link #acceptedHostKey()}) for the caller to store; with one, any other key is refused and
 * {@link #hostKeyChanged()} says so. One instance per fetch; close it after.
 */
final class SshTransportFactory implements AutoCloseable {
    private final RepositoryUrlPolicy policy;
    private final RepositoryUrlPolicy.CheckedUrl checked;
    private final GitCredentials.DeployKey key;
    private final SshdSessionFactory sessions;
    private volatile String acceptedHostKey;
    private volatile String hostKeyChanged;

    SshTransportFactory(RepositoryUrlPolicy policy, RepositoryUrlPolicy.CheckedUrl checked, GitCredentials.DeployKey key, Path home)
            throws IOException {
        this.policy = policy;
        this.checked = checked;
        this.key = key;
        Path sshDirectory = Files.createDirectories(home.resolve(".ssh"));
        this.sessions = new SshdSessionFactoryBuilder()
                .setHomeDirectory(home.toFile())
                .setSshDirectory(sshDirectory.toFile())
                .setConfigStoreFactory((homeDirectory, configFile, localUser) -> null)
                .setDefaultKnownHostsFiles(directory -> List.of())
                .setDefaultIdentities(directory -> List.of())
                .setDefaultKeysProvider(directory -> List.of(key.keyPair()))
                .setPreferredAuthentications("publickey")
                .setProxyDataFactory(remote -> null)
                .setServerKeyDatabase((homeDirectory, ssh) -> new TrustOnFirstUse())
                .build(null);
    }

    SshdSessionFactory sessionFactory() {
        return sessions;
    }

    /** {@code url} with its host replaced by the first checked address (all of them passed the policy). */
    String pinnedUrl(String url) throws IOException {
        InetAddress address = checked.addresses().get(0);
        String literal = address instanceof Inet6Address ? "[" + address.getHostAddress().replaceAll("%.*$", "") + "]" : address.getHostAddress();
        try {
            URIish uri = new URIish(url);
            return uri.setHost(literal).setPort(checked.port()).toString();
        } catch (URISyntaxException invalid) {
            throw new IOException("the repository URL cannot be read as an ssh URL", invalid);
        }
    }

    /** The server's host key (OpenSSH line) this fetch accepted, or null if none was shown yet. */
    String acceptedHostKey() {
        return acceptedHostKey;
    }

    /** Why the server's key was refused because it is not the one the site trusts, or null. */
    String hostKeyChanged() {
        return hostKeyChanged;
    }

    @Override
    public void close() {
        sessions.close();
    }

    private final class TrustOnFirstUse implements ServerKeyDatabase {
        @Override
        public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
            return List.of();
        }

        @Override
        public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey, Configuration config,
                              CredentialsProvider provider) {
            try {
                policy.checkAddress(checked.host(), checked.port(), remoteAddress.getAddress());
            } catch (RepositoryUrlRefusedException refused) {
                return false;
            }
            String line = DeployKeys.hostKeyLine(serverKey);
            String known = key.knownHostKey();
            if (known != null && !DeployKeys.sameHostKey(known, serverKey)) {
                hostKeyChanged = "the SSH host key of " + checked.host() + " changed: it is now " + DeployKeys.fingerprint(line)
                        + ", the site trusts " + DeployKeys.fingerprint(known)
                        + "; if the Git host really changed its key, set the site's Git source again to trust the new one";
                return false;
            }
            acceptedHostKey = line;
            return true;
        }
    }
}
