package dev.berth.hostd.dns;

import dev.berth.hostd.site.Backoff;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * Provider {@code rfc2136}: dynamic updates (RFC 2136) to the zone's primary (BIND, Knot,
 * PowerDNS), signed with TSIG (RFC 8945, HMAC-SHA-256 by default; HMAC-MD5 is refused) and sent
 * over TCP. Every reply must carry a TSIG that verifies with our key, queries included, so a forged
 * or unsigned answer is never trusted. Transient failures (timeout, unreachable, SERVFAIL) are
 * retried with exponential backoff within one call; policy failures (REFUSED, NOTAUTH, a bad key)
 * fail at once. Thread-safe: every call uses its own resolver.
 */
public final class Rfc2136Dns implements Dns {
    private static final Logger LOG = LoggerFactory.getLogger(Rfc2136Dns.class);

    /**
     * @param server         the zone's primary, e.g. 127.0.0.1:53
     * @param zone           the zone updates go to, e.g. {@code sites.example.com}
     * @param keyName        the TSIG key name as configured on the server
     * @param keyAlgorithm   {@code hmac-sha256} (default), {@code hmac-sha384} or {@code hmac-sha512}
     * @param keySecret      the key's secret, base64
     * @param ttlSeconds     TTL of the records written
     * @param timeout        per attempt
     * @param attempts       attempts for a transient failure (at least 1)
     * @param firstRetryDelay delay before the second attempt; doubled for each further one
     */
    public record Settings(InetSocketAddress server, String zone, String keyName, String keyAlgorithm, String keySecret,
                           long ttlSeconds, Duration timeout, int attempts, Duration firstRetryDelay) {
        public Settings {
            if (attempts < 1) {
                throw new IllegalArgumentException("dns attempts must be at least 1");
            }
            if (ttlSeconds < 1 || ttlSeconds > 86_400) {
                throw new IllegalArgumentException("dns ttlSeconds must be between 1 and 86400");
            }
        }
    }

    private final Settings settings;
    private final Name zone;
    private final TSIG tsig;

    public Rfc2136Dns(Settings settings) {
        this.settings = settings;
        try {
            this.zone = Name.fromString(settings.zone(), Name.root);
            Name keyName = Name.fromString(settings.keyName(), Name.root);
            byte[] secret = Base64.getDecoder().decode(settings.keySecret());
            if (secret.length < 16) {
                throw new IllegalArgumentException("the TSIG secret must be at least 16 bytes (base64 of a random key)");
            }
            // Always the three-argument form: TSIG(name, key) would silently mean HMAC-MD5.
            this.tsig = new TSIG(algorithm(settings.keyAlgorithm()), keyName, secret);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid zone or key name: " + e.getMessage(), e);
        }
    }

    private static Name algorithm(String name) {
        return switch (name == null ? "hmac-sha256" : name.toLowerCase(Locale.ROOT)) {
            case "hmac-sha256" -> TSIG.HMAC_SHA256;
            case "hmac-sha384" -> TSIG.HMAC_SHA384;
            case "hmac-sha512" -> TSIG.HMAC_SHA512;
            default -> throw new IllegalArgumentException(
                    "TSIG algorithm must be hmac-sha256, hmac-sha384 or hmac-sha512, got " + name);
        };
    }

    @Override
    public boolean publishes() {
        return true;
    }

    @Override
    public boolean manages(String hostname) {
        try {
            Name name = Name.fromString(hostname, Name.root);
            return name.subdomain(zone);
        } catch (TextParseException e) {
            return false;
        }
    }

    @Override
    public List<InetAddress> addresses(String hostname) throws DnsException {
        Name name = nameInZone(hostname);
        List<InetAddress> found = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Message reply = send(Message.newQuery(Record.newRecord(name, type, DClass.IN)), "query " + hostname);
            for (Record record : reply.getSection(Section.ANSWER)) {
                if (record instanceof ARecord a) {
                    found.add(a.getAddress());
                } else if (record instanceof AAAARecord aaaa) {
                    found.add(aaaa.getAddress());
                }
            }
        }
        return found;
    }

    @Override
    public Optional<Claim> claim(String hostname) throws DnsException {
        Name marker = nameInZone(Claim.markerName(hostname));
        Message reply = send(Message.newQuery(Record.newRecord(marker, Type.TXT, DClass.IN)), "query " + marker);
        for (Record record : reply.getSection(Section.ANSWER)) {
            if (record instanceof TXTRecord txt) {
                Optional<Claim> claim = Claim.parse(String.join("", txt.getStrings()));
                if (claim.isPresent()) {
                    return claim;
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void createAddresses(String hostname, List<InetAddress> addresses, Claim claim) throws DnsException {
        Name name = nameInZone(hostname);
        Name marker = nameInZone(Claim.markerName(hostname));
        Update update = new Update(zone);
        // RFC 2136 prerequisites: the server applies the update only if none of these RRsets exists.
        update.absent(name, Type.A);
        update.absent(name, Type.AAAA);
        update.absent(name, Type.CNAME);
        addAll(update, name, addresses);
        // A marker left without records (someone deleted them by hand) is replaced, never added to.
        update.delete(marker, Type.TXT);
        update.add(new TXTRecord(marker, DClass.IN, settings.ttlSeconds(), claim.text()));
        send(update, "create " + hostname);
    }

    private void addAll(Update update, Name name, List<InetAddress> addresses) {
        for (InetAddress address : addresses) {
            update.add(address instanceof Inet4Address
                    ? new ARecord(name, DClass.IN, settings.ttlSeconds(), address)
                    : new AAAARecord(name, DClass.IN, settings.ttlSeconds(), address));
        }
    }

    @Override
    public boolean replaceAddresses(String hostname, List<InetAddress> addresses, Claim claim, Optional<Claim> expected)
            throws DnsException {
        Name name = nameInZone(hostname);
        Name marker = nameInZone(Claim.markerName(hostname));
        Update update = new Update(zone);
        if (expected.isPresent()) {
            // Value-dependent prerequisite: the marker RRset is exactly this one value (TTL 0, RFC 2136 2.4.2).
            update.present(new TXTRecord(marker, DClass.IN, 0, expected.get().text()));
        } else {
            update.absent(marker, Type.TXT);
        }
        update.delete(name, Type.A);
        update.delete(name, Type.AAAA);
        addAll(update, name, addresses);
        update.delete(marker, Type.TXT);
        update.add(new TXTRecord(marker, DClass.IN, settings.ttlSeconds(), claim.text()));
        return sendConditional(update, "update " + hostname);
    }

    @Override
    public boolean removeAddresses(String hostname, List<InetAddress> expected, Optional<Claim> expectedClaim) throws DnsException {
        Name name = nameInZone(hostname);
        Name marker = nameInZone(Claim.markerName(hostname));
        Update update = new Update(zone);
        if (expectedClaim.isPresent()) {
            update.present(new TXTRecord(marker, DClass.IN, 0, expectedClaim.get().text()));
        } else {
            update.absent(marker, Type.TXT);
        }
        requireExactly(update, name, Type.A, expected.stream().filter(Inet4Address.class::isInstance).toList());
        requireExactly(update, name, Type.AAAA, expected.stream().filter(address -> !(address instanceof Inet4Address)).toList());
        update.delete(name, Type.A);
        update.delete(name, Type.AAAA);
        update.delete(marker, Type.TXT);
        return sendConditional(update, "delete " + hostname);
    }

    /** Prerequisite: the RRset of {@code type} at {@code name} is exactly {@code addresses} (absent if none). */
    private static void requireExactly(Update update, Name name, int type, List<InetAddress> addresses) {
        if (addresses.isEmpty()) {
            update.absent(name, type);
            return;
        }
        for (InetAddress address : addresses) {
            update.present(type == Type.A ? new ARecord(name, DClass.IN, 0, address) : new AAAARecord(name, DClass.IN, 0, address));
        }
    }

    /** Sends an update with prerequisites: false when the server says they do not hold (YXRRSET, NXRRSET). */
    private boolean sendConditional(Update update, String what) throws DnsException {
        try {
            send(update, what);
            return true;
        } catch (DnsException e) {
            if (e.kind() == DnsException.Kind.FOREIGN_RECORDS) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void addTxt(String name, String value) throws DnsException {
        Update update = new Update(zone);
        update.add(new TXTRecord(nameInZone(name), DClass.IN, settings.ttlSeconds(), value));
        send(update, "add TXT " + name);
    }

    @Override
    public void removeTxt(String name, String value) throws DnsException {
        Update update = new Update(zone);
        update.delete(new TXTRecord(nameInZone(name), DClass.IN, 0, value));
        send(update, "delete TXT " + name);
    }

    private Name nameInZone(String hostname) throws DnsException {
        try {
            Name name = Name.fromString(hostname, Name.root);
            if (!name.subdomain(zone)) {
                throw new DnsException(DnsException.Kind.REJECTED, hostname + " is not in zone " + settings.zone());
            }
            return name;
        } catch (TextParseException e) {
            throw new DnsException(DnsException.Kind.REJECTED, "invalid name " + hostname + ": " + e.getMessage());
        }
    }

    /** Sends with retries for transient failures; returns a verified NOERROR (or NXDOMAIN for queries) reply. */
    private Message send(Message message, String what) throws DnsException {
        Backoff retries = Backoff.doubling(settings.firstRetryDelay());
        for (int attempt = 1; ; attempt++) {
            try {
                return sendOnce(message.clone(), what);
            } catch (DnsException e) {
                if (!e.kind().retryable() || attempt >= settings.attempts()) {
                    throw e;
                }
                Duration delay = retries.delay(attempt);
                LOG.info("{} failed (attempt {} of {}), retrying in {} ms: {}", what, attempt, settings.attempts(),
                        delay.toMillis(), e.getMessage());
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private Message sendOnce(Message message, String what) throws DnsException {
        SimpleResolver resolver = new SimpleResolver(settings.server());
        resolver.setTCP(true);
        resolver.setTimeout(settings.timeout());
        resolver.setTSIGKey(tsig);
        Message reply;
        try {
            reply = resolver.send(message);
        } catch (IOException e) {
            throw classify(e, what);
        }
        int rcode = reply.getRcode();
        TSIGRecord signature = reply.getTSIG();
        if (rcode == Rcode.NOTAUTH || (signature != null && signature.getError() != Rcode.NOERROR)) {
            String detail = signature != null && signature.getError() != Rcode.NOERROR
                    ? Rcode.TSIGstring(signature.getError()) : Rcode.string(rcode);
            throw new DnsException(DnsException.Kind.NOT_AUTHORIZED, what + ": the server did not accept key "
                    + settings.keyName() + " (" + detail + ")");
        }
        if (!reply.isSigned() || !reply.isVerified()) {
            throw new DnsException(DnsException.Kind.UNVERIFIED_REPLY, what + ": the reply (" + Rcode.string(rcode)
                    + ") carries no valid signature of key " + settings.keyName());
        }
        if (rcode == Rcode.NOERROR || (rcode == Rcode.NXDOMAIN && message.getHeader().getOpcode() == org.xbill.DNS.Opcode.QUERY)) {
            return reply;
        }
        if (rcode == Rcode.YXRRSET || rcode == Rcode.NXRRSET) {
            throw new DnsException(DnsException.Kind.FOREIGN_RECORDS, what + ": the name holds records that hostd did not"
                    + " create, or that another node publishes now (" + Rcode.string(rcode) + ")");
        }
        if (rcode == Rcode.REFUSED) {
            throw new DnsException(DnsException.Kind.REFUSED, what + ": the server refused it (REFUSED)");
        }
        if (rcode == Rcode.SERVFAIL) {
            throw new DnsException(DnsException.Kind.SERVER_FAILURE, what + ": SERVFAIL");
        }
        throw new DnsException(DnsException.Kind.REJECTED, what + ": " + Rcode.string(rcode));
    }

    private DnsException classify(IOException e, String what) {
        String where = what + " at " + settings.server().getHostString() + ":" + settings.server().getPort();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException) {
                return new DnsException(DnsException.Kind.TIMEOUT, where + ": no answer within " + settings.timeout().toMillis() + " ms", e);
            }
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
                return new DnsException(DnsException.Kind.UNREACHABLE, where + ": " + cause.getMessage(), e);
            }
        }
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Timed out")) {
            return new DnsException(DnsException.Kind.TIMEOUT, where + ": no answer within " + settings.timeout().toMillis() + " ms", e);
        }
        // A closed TCP connection without an answer is what a dying or restarting server looks like.
        return new DnsException(DnsException.Kind.UNREACHABLE, where + ": " + message, e);
    }
}
