package dev.berth.hostd.server;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.jetty.ConnectorFactory;
import jakarta.validation.constraints.NotEmpty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * A Dropwizard connector ({@code type: unix-socket}) listening on a Unix-domain socket in a
 * directory of its own. The directory is made 0750 and the socket 0660, both owned by the configured
 * group; on top of the file modes, every accepted connection's peer credentials
 * ({@code SO_PEERCRED}: the uid and gid of the process that connected, as the kernel recorded them)
 * must name one of {@link #allowedUsers} or {@link #allowedGroups}, or the connection is closed
 * before a byte of it is read. Java reads {@code SO_PEERCRED} itself
 * ({@code jdk.net.ExtendedSocketOptions}, since JDK 16), so this needs no native code; Jetty's
 * connector offers {@link UnixDomainServerConnector#configure} as the hook for each accepted channel.
 */
@JsonTypeName("unix-socket")
public class UnixSocketConnectorFactory implements ConnectorFactory {

    @NotEmpty
    @JsonProperty
    public String path = "/run/berth-hostd/api/hostd.sock";

    /** Group owning the socket and its directory (file access); null leaves root's group. */
    @JsonProperty
    public String group;

    /** Users (names or uids) whose processes may talk to hostd; blank entries are ignored. */
    @jakarta.validation.constraints.NotNull
    @JsonProperty
    public java.util.List<String> allowedUsers = java.util.List.of("root");

    /** Groups (names or gids): a process whose effective group is one of them may talk to hostd too. */
    @jakarta.validation.constraints.NotNull
    @JsonProperty
    public java.util.List<String> allowedGroups = java.util.List.of();

    @Override
    public Connector build(Server server, MetricRegistry metrics, String name, ThreadPool threadPool) {
        Path socket = Path.of(path).toAbsolutePath();
        try {
            Path directory = socket.getParent();
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-x---"));
            applyGroup(directory);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the socket directory of " + socket, e);
        }
        HttpConnectionFactory http = new HttpConnectionFactory(new HttpConfiguration());
        PeerCheck peers = PeerCheck.of(allowedUsers, allowedGroups);
        // Jetty opens this connector before the application is ready (Dropwizard's SetUIDListener
        // starts connectors first): a request then would get a bare 404 from a server whose Jersey
        // and whose start (the recovery of every site) are not done, and the API takes a 404 as a
        // refusal. The acceptor (one thread, so that it is ours to hold) accepts nothing until the
        // whole server has started; connections wait in the socket's backlog meanwhile.
        java.util.concurrent.CountDownLatch serverStarted = new java.util.concurrent.CountDownLatch(1);
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle event) {
                serverStarted.countDown();
            }
        });
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, threadPool, null, null, 1, -1, http) {
            @Override
            protected void accept(int acceptorID) throws IOException {
                try {
                    serverStarted.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("stopped before the server started");
                }
                super.accept(acceptorID);
            }

            @Override
            protected void configure(java.nio.channels.SocketChannel channel) throws IOException {
                super.configure(channel);
                // Closed here, the channel is never read: Jetty drops it when registering fails.
                if (!peers.admits(channel)) {
                    channel.close();
                }
            }
        };
        connector.setUnixDomainPath(socket);
        connector.setName(name);
        connector.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle event) {
                try {
                    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
                    applyGroup(socket);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot restrict " + socket, e);
                }
            }
        });
        return connector;
    }

    private void applyGroup(Path file) throws IOException {
        if (group == null || group.isBlank()) {
            return;
        }
        GroupPrincipal principal = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(principal);
    }
}
