package dev.berth.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A repository served over SSH on loopback, as a Git host serves a private repository to a deploy
 * key: Apache MINA sshd's server, public-key authentication only (the keys the test authorizes), one
 * command ({@code git-upload-pack} of a path ending in {@code site.git}) answered by JGit's
 * {@link UploadPack}. The host key is a fresh Ed25519 key per server, or one the test passes (to
 * play a host whose key changed). Whoever fetches from it must allow 127.0.0.1:{@link #port()}.
 *
 * <p>Thread-safe: sessions are served on sshd's threads while the test reads what arrived.
 */
public final class GitSshServer implements AutoCloseable {
    private final SshServer server;
    private final KeyPair hostKey;
    private final Set<PublicKey> authorized = new CopyOnWriteArraySet<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final AtomicInteger refusedLogins = new AtomicInteger();

    /** Serves {@code repository} with a fresh host key. */
    public GitSshServer(Repository repository) throws IOException {
        this(repository, newHostKey());
    }

    /** Serves {@code repository} with {@code hostKey} as the server's identity. */
    public GitSshServer(Repository repository, KeyPair hostKey) throws IOException {
        this.hostKey = hostKey;
        server = SshServer.setUpDefaultServer();
        server.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setPublickeyAuthenticator((user, key, session) -> {
            boolean known = authorized.stream().anyMatch(candidate -> org.apache.sshd.common.config.keys.KeyUtils.compareKeys(candidate, key));
            if (!known) {
                refusedLogins.incrementAndGet();
            }
            return known;
        });
        server.setCommandFactory((channel, command) -> new UploadPackCommand(repository, command));
        server.start();
    }

    /** A new Ed25519 key pair (BouncyCastle's, which sshd signs with), for a host key the test wants to reuse or swap. */
    public static KeyPair newHostKey() {
        try {
            return KeyPairGenerator.getInstance("Ed25519", new org.bouncycastle.jce.provider.BouncyCastleProvider()).generateKeyPair();
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("BouncyCastle provides Ed25519", impossible);
        }
    }

    /** Lets {@code key} log in (a deploy key added at the Git host). */
    public GitSshServer authorize(PublicKey key) {
        authorized.add(key);
        return this;
    }

    public KeyPair hostKey() {
        return hostKey;
    }

    public int port() {
        return server.getPort();
    }

    /** {@code ssh://git@127.0.0.1:PORT/site.git}. */
    public String url() {
        return "ssh://git@127.0.0.1:" + port() + "/site.git";
    }

    /** The commands sessions asked to run, in arrival order. */
    public List<String> commands() {
        return commands;
    }

    /** How many public keys were offered and refused. */
    public int refusedLogins() {
        return refusedLogins.get();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    private final class UploadPackCommand implements Command, Runnable {
        private final Repository repository;
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        UploadPackCommand(Repository repository, String command) {
            this.repository = repository;
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback exit) {
            this.exit = exit;
        }

        @Override
        public void start(ChannelSession channel, Environment environment) {
            commands.add(command);
            Thread thread = new Thread(this, "git-ssh-upload-pack");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            if (!command.matches("git-upload-pack '/?site\\.git'")) {
                try {
                    err.write(("unknown command: " + command + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    err.flush();
                } catch (IOException ignored) {
                    // the client went away; the exit status still says it failed
                }
                exit.onExit(127, "unknown command");
                return;
            }
            try {
                UploadPack upload = new UploadPack(repository);
                upload.upload(in, out, err);
                out.flush();
                exit.onExit(0);
            } catch (IOException | RuntimeException failed) {
                exit.onExit(1, String.valueOf(failed.getMessage()));
            }
        }

        @Override
        public void destroy(ChannelSession channel) {
            // upload-pack ends with the client's stream; nothing to stop here
        }
    }
}
