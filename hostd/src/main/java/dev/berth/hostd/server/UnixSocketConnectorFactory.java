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
 * A Dropwizard connector ({@code type: unix-socket}) listening on a Unix-domain socket. The socket's
 * directory is made 0750 and the socket 0660, both owned by the configured group, so only root and
 * that group (the API's) can talk to hostd.
 */
@JsonTypeName("unix-socket")
public class UnixSocketConnectorFactory implements ConnectorFactory {

    @NotEmpty
    @JsonProperty
    public String path = "/run/berth-hostd/hostd.sock";

    /** Group allowed to connect; null leaves root's group. */
    @JsonProperty
    public String group;

    @Override
    public Connector build(Server server, MetricRegistry metrics, String name, ThreadPool threadPool) {
        Path socket = Path.of(path).toAbsolutePath();
        try {
            Path directory = socket.getParent();
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-x---"));
            setGroup(directory);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the socket directory of " + socket, e);
        }
        HttpConnectionFactory http = new HttpConnectionFactory(new HttpConfiguration());
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, threadPool, null, null, -1, -1, http);
        connector.setUnixDomainPath(socket);
        connector.setName(name);
        connector.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle event) {
                try {
                    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
                    setGroup(socket);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot restrict " + socket, e);
                }
            }
        });
        return connector;
    }

    private void setGroup(Path file) throws IOException {
        if (group == null || group.isBlank()) {
            return;
        }
        GroupPrincipal principal = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(principal);
    }
}
