package dev.berth.hostd.dns;

import dev.berth.hostd.HostdConfiguration.DnsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the configured DNS provider. */
public final class DnsFactory {
    private static final Pattern SERVER = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^:\\[\\]]+):(\\d{1,5})");
    private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    private DnsFactory() {
    }

    public static Dns create(DnsSettings settings) {
        return switch (settings.provider) {
            case "none" -> new NoDns();
            case "rfc2136" -> new Rfc2136Dns(new Rfc2136Dns.Settings(server(settings.server), require(settings.zone, "dns.zone"),
                    require(settings.keyName, "dns.keyName"), settings.keyAlgorithm, secret(settings), settings.ttlSeconds,
                    Duration.ofMillis(settings.timeoutMillis), settings.attempts, Duration.ofMillis(settings.firstRetryDelayMillis)));
            default -> throw new IllegalArgumentException("dns.provider must be none or rfc2136, got " + settings.provider);
        };
    }

    /** The configured public addresses; only literals are accepted (no name lookups at start-up). */
    public static List<InetAddress> publicAddresses(DnsSettings settings) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : settings.publicAddresses) {
            addresses.add(literal(literal, "dns.publicAddresses"));
        }
        return addresses;
    }

    static InetSocketAddress server(String value) {
        Matcher matcher = SERVER.matcher(value == null ? "" : value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("dns.server must be IPV4:PORT or [IPV6]:PORT, got " + value);
        }
        String host = matcher.group(1).replace("[", "").replace("]", "");
        return new InetSocketAddress(literal(host, "dns.server"), Integer.parseInt(matcher.group(2)));
    }

    private static InetAddress literal(String value, String field) {
        if (!LITERAL.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must hold IP address literals, got " + value);
        }
        try {
            return InetAddress.getByName(value);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(field + " must hold IP address literals, got " + value, e);
        }
    }

    private static String secret(DnsSettings settings) {
        if (settings.keySecretFile != null && !settings.keySecretFile.isBlank()) {
            try {
                return Files.readString(Path.of(settings.keySecretFile)).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read dns.keySecretFile " + settings.keySecretFile, e);
            }
        }
        return require(settings.keySecret, "dns.keySecret or dns.keySecretFile");
    }

    private static String require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required with dns.provider rfc2136");
        }
        return value;
    }
}
