package dev.berth.hostd.proxy;

import dev.berth.hostd.site.AtomicFiles;
import dev.berth.hostd.site.HostOperationException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * hostd's side of the proxy's route table: the records as hostd last set them, kept in a snapshot
 * file nginx loads whenever it starts or reloads ({@code init_by_lua}), and each change sent to
 * nginx's admin endpoint, a Unix socket in a directory only hostd's user may enter. The snapshot is
 * written before nginx is told, so a reload in between loads the change too. Thread-safe.
 */
public final class RouteTable {
    /** A record of this version, or of version 1 (an older hostd's snapshot; sent again in the new form on the next put). */
    private static final Pattern RECORD = Pattern.compile("\"((?:1|2|" + Pattern.quote(RouteRecord.VERSION) + ")\\|[^\"]*)\"");
    private final Path socket;
    private final Path snapshot;
    private final Map<UUID, String> records = new TreeMap<>();
    /** Records written to the snapshot whose sending failed: sent again on the next put, even if unchanged. */
    private final Set<UUID> unsent = new java.util.HashSet<>();
    private boolean loaded;

    /**
     * @param socket   nginx's admin endpoint
     * @param snapshot the file nginx loads the table from at start
     */
    public RouteTable(Path socket, Path snapshot) {
        this.socket = socket.toAbsolutePath();
        this.snapshot = snapshot.toAbsolutePath();
    }

    public Path socket() {
        return socket;
    }

    public Path snapshot() {
        return snapshot;
    }

    /** Puts a validated record: written to the snapshot, then sent to nginx (same record: nothing is done). */
    public synchronized void put(RouteRecord record) throws HostOperationException {
        load();
        String text = record.encode();
        if (text.equals(records.get(record.siteId())) && !unsent.contains(record.siteId())) {
            return;
        }
        records.put(record.siteId(), text);
        unsent.add(record.siteId());
        writeSnapshot();
        send("PUT", "/routes/" + record.siteId(), text, "the route of " + record.siteId());
        unsent.remove(record.siteId());
    }

    /** Removes a site's record (succeeds if there is none). */
    public synchronized void remove(UUID siteId) throws HostOperationException {
        load();
        if (records.remove(siteId) != null) {
            writeSnapshot();
        }
        unsent.remove(siteId);
        send("DELETE", "/routes/" + siteId, null, "the route of " + siteId);
    }

    /**
     * Sets the node's lease: nginx serves no site (the 503 page) from {@code expiresAt} on, unless it
     * is renewed; null removes it (a single node, never fenced). Kept beside the snapshot too
     * ({@link #leaseFile}), so that an nginx restarted while hostd is gone loads the lease with the
     * records and still stops serving when it runs out.
     */
    public void lease(java.time.Instant expiresAt) throws HostOperationException {
        try {
            if (expiresAt == null) {
                Files.deleteIfExists(leaseFile());
            } else {
                Files.createDirectories(leaseFile().getParent());
                AtomicFiles.write(leaseFile(), Long.toString(expiresAt.getEpochSecond()).getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot keep the lease beside the route snapshot: " + e.getMessage(), e);
        }
        if (expiresAt == null) {
            send("DELETE", "/lease", null, "the lease");
        } else {
            send("PUT", "/lease", Long.toString(expiresAt.getEpochSecond()), "the lease");
        }
    }

    /** The lease's expiry (epoch seconds) as nginx loads it at start, beside the snapshot. */
    public Path leaseFile() {
        return snapshot.resolveSibling("lease");
    }

    /** Sites that have a record. */
    public synchronized Set<UUID> sites() throws HostOperationException {
        load();
        return Set.copyOf(records.keySet());
    }

    /** The encoded record of a site, if it has one. */
    public synchronized java.util.Optional<String> record(UUID siteId) throws HostOperationException {
        load();
        return java.util.Optional.ofNullable(records.get(siteId));
    }

    private void load() throws HostOperationException {
        if (loaded) {
            return;
        }
        try {
            Matcher matcher = RECORD.matcher(Files.readString(snapshot, StandardCharsets.UTF_8));
            while (matcher.find()) {
                RouteRecord record = RouteRecord.decode(matcher.group(1));
                records.put(record.siteId(), matcher.group(1));
            }
        } catch (NoSuchFileException e) {
            // no route yet
        } catch (IOException | IllegalArgumentException e) {
            throw new HostOperationException("cannot read the route snapshot " + snapshot + ": " + e.getMessage(), e);
        }
        loaded = true;
    }

    /** {"version":1,"records":[...]}: records hold no '"' or '\' (RouteRecord's grammar), so they are JSON strings as they are. */
    static String snapshotText(Iterable<String> records) {
        StringBuilder out = new StringBuilder("{\"version\":").append(RouteRecord.VERSION).append(",\"records\":[");
        boolean first = true;
        for (String record : records) {
            out.append(first ? "\n\"" : ",\n\"").append(record).append('"');
            first = false;
        }
        return out.append("\n]}\n").toString();
    }

    /**
     * Replaced atomically but not fsynced (the write is on every change, ~900 KiB with 10,000 sites):
     * after a crash the snapshot may be older than the table was, and hostd's first pass applies
     * every site again, sending each record that differs from it.
     */
    private void writeSnapshot() throws HostOperationException {
        try {
            AtomicFiles.replace(snapshot, snapshotText(records.values()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HostOperationException("cannot write the route snapshot: " + e.getMessage(), e);
        }
    }

    /** One request to nginx's admin endpoint; anything but 204 is a failure naming nginx's reason. */
    private void send(String method, String path, String body, String what) throws HostOperationException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.US_ASCII);
        String head = method + " " + path + " HTTP/1.1\r\nHost: berth-routes\r\nConnection: close\r\n"
                + "Content-Length: " + content.length + "\r\n\r\n";
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = ByteBuffer.allocate(head.length() + content.length);
            request.put(head.getBytes(StandardCharsets.US_ASCII)).put(content).flip();
            while (request.hasRemaining()) {
                channel.write(request);
            }
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (channel.read(buffer) >= 0 && response.size() < 65536) {
                response.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            String text = response.toString(StandardCharsets.US_ASCII);
            if (!text.startsWith("HTTP/1.1 204")) {
                int bodyStart = text.indexOf("\r\n\r\n");
                String reason = bodyStart < 0 ? text.lines().findFirst().orElse("no answer") : text.substring(bodyStart + 4).strip();
                throw new HostOperationException("the proxy refused " + what + ": " + reason);
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot reach the proxy's route table at " + socket + ": " + e.getMessage(), e);
        }
    }
}
