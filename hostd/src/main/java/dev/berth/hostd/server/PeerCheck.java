package dev.berth.hostd.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which local processes may talk to hostd: the kernel's record of a Unix-socket peer
 * ({@code SO_PEERCRED}) must name an allowed user or group. Names are resolved once, at start (an
 * unknown name stops hostd with a clear error). Thread-safe.
 */
final class PeerCheck {
    private static final Logger LOG = LoggerFactory.getLogger(PeerCheck.class);

    private final Set<UserPrincipal> users;
    private final Set<GroupPrincipal> groups;

    private PeerCheck(Set<UserPrincipal> users, Set<GroupPrincipal> groups) {
        this.users = users;
        this.groups = groups;
    }

    /** Resolves user and group names (or numeric ids); blank entries are skipped. */
    static PeerCheck of(List<String> users, List<String> groups) {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        try {
            Set<UserPrincipal> allowedUsers = users.stream().filter(name -> name != null && !name.isBlank())
                    .map(name -> lookup(() -> lookup.lookupPrincipalByName(name.strip()), "user", name)).collect(Collectors.toSet());
            Set<GroupPrincipal> allowedGroups = groups.stream().filter(name -> name != null && !name.isBlank())
                    .map(name -> lookup(() -> lookup.lookupPrincipalByGroupName(name.strip()), "group", name))
                    .collect(Collectors.toSet());
            if (allowedUsers.isEmpty() && allowedGroups.isEmpty()) {
                throw new IllegalArgumentException("the hostd socket admits nobody: set allowedUsers or allowedGroups");
            }
            return new PeerCheck(allowedUsers, allowedGroups);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private interface Lookup<T> {
        T get() throws IOException;
    }

    private static <T> T lookup(Lookup<T> lookup, String kind, String name) {
        try {
            return lookup.get();
        } catch (IOException e) {
            throw new UncheckedIOException("the hostd socket's allowed " + kind + " '" + name + "' does not exist on this host", e);
        }
    }

    /** True if the process at the other end of {@code channel} is an allowed user or in an allowed group. */
    boolean admits(SocketChannel channel) {
        UnixDomainPrincipal peer;
        try {
            peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("refused a connection to the hostd socket: its peer credentials cannot be read ({})", e.toString());
            return false;
        }
        if (users.contains(peer.user()) || groups.contains(peer.group())) {
            return true;
        }
        LOG.warn("refused a connection to the hostd socket from user {} group {}: not an allowed user or group",
                peer.user().getName(), peer.group().getName());
        return false;
    }
}
