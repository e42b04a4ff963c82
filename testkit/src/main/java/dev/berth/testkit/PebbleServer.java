package dev.berth.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Debian's Pebble (a test ACME CA) on loopback, for host tests. The package ships no TLS
 * certificate, so this makes a throw-away CA and a certificate for 127.0.0.1/localhost. Pebble asks
 * {@code dnsServer} for DNS-01 records and connects to {@code httpPort} on 127.0.0.1 for HTTP-01.
 * Validation runs without Pebble's random sleeps ({@code PEBBLE_VA_NOSLEEP=1}); other {@code PEBBLE_*}
 * settings come from {@code environment} (its defaults: some nonces rejected, authorizations reused).
 */
public final class PebbleServer implements AutoCloseable {
    public static final Path PEBBLE = Path.of("/usr/bin/pebble");

    public final Path directory;
    public final int acmePort;
    public final int managementPort;
    public final Path tlsCaPem;
    private final Map<String, String> environment;
    private final InetSocketAddress dnsServer;
    private Process process;

    public PebbleServer(InetSocketAddress dnsServer, int httpPort, Map<String, String> environment) throws Exception {
        directory = Files.createTempDirectory("berth-pebble-");
        acmePort = freePort();
        managementPort = freePort();
        int tlsPort = freePort();
        tlsCaPem = directory.resolve("tls-ca.pem");
        writeTlsCertificates();
        Files.writeString(directory.resolve("pebble.json"), """
                {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                 "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                 "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                """.formatted(acmePort, managementPort, directory.resolve("cert.pem"), directory.resolve("key.pem"),
                httpPort, tlsPort));
        this.environment = Map.copyOf(environment);
        this.dnsServer = dnsServer;
        launch(Map.of());
    }

    private void launch(Map<String, String> environmentOverride) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(PEBBLE.toString(), "-config", directory.resolve("pebble.json").toString(),
                "-dnsserver", dnsServer.getHostString() + ":" + dnsServer.getPort())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("pebble.log").toFile()));
        builder.environment().put("PEBBLE_VA_NOSLEEP", "1");
        builder.environment().putAll(environment);
        builder.environment().putAll(environmentOverride);
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!listening(acmePort) || !listening(managementPort)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(directory.resolve("pebble.log"));
                close();
                throw new IOException("pebble did not start: " + log);
            }
            Thread.sleep(50);
        }
    }

    /** Stops Pebble (the CA is down until {@link #restart()}); it forgets every account and order. */
    public void stopProcess() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts Pebble again on the same ports (with a new root). */
    public void restart() throws Exception {
        restart(Map.of());
    }

    /**
     * Starts Pebble again on the same ports (with a new root), with {@code PEBBLE_*} settings on top
     * of those it was built with until the next restart: {@code PEBBLE_WFE_NONCEREJECT=100}, say, makes it
     * answer every request with an ACME error.
     */
    public void restart(Map<String, String> environmentOverride) throws Exception {
        launch(environmentOverride);
    }

    public static boolean available() {
        return Files.isExecutable(PEBBLE);
    }

    public URI directoryUrl() {
        return URI.create("https://127.0.0.1:" + acmePort + "/dir");
    }

    public String log() throws IOException {
        return Files.readString(directory.resolve("pebble.log"));
    }

    /** The root that signs issued certificates (fetched from the management interface; new on every start). */
    public String issuingRootPem() throws Exception {
        HttpResponse<String> response = management("/roots/0");
        if (response.statusCode() != 200) {
            throw new IOException("pebble /roots/0 answered " + response.statusCode());
        }
        return response.body();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What Pebble's management port says of an issued certificate: {@code Valid} or {@code Revoked}
     * ({@code serialHex} as hostd reports it, lower-case hex).
     */
    public String certificateStatus(String serialHex) throws Exception {
        HttpResponse<String> response = management("/cert-status-by-serial/" + serialHex);
        if (response.statusCode() != 200) {
            throw new IOException("pebble /cert-status-by-serial answered " + response.statusCode() + ": " + response.body());
        }
        java.util.regex.Matcher status = java.util.regex.Pattern.compile("\"Status\"\\s*:\\s*\"([A-Za-z]+)\"").matcher(response.body());
        if (!status.find()) {
            throw new IOException("pebble answered no status: " + response.body());
        }
        return status.group(1);
    }

    private HttpResponse<String> management(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(Trust.of(Files.readString(tlsCaPem)))
                .connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private void writeTlsCertificates() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair caKey = generator.generateKeyPair();
        KeyPair serverKey = generator.generateKeyPair();
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=berth test pebble TLS CA");
        JcaX509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), caName, caKey.getPublic());
        ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate caCertificate = new JcaX509CertificateConverter().getCertificate(
                ca.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        JcaX509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO,
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=localhost"),
                serverKey.getPublic());
        server.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        server.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate serverCertificate = new JcaX509CertificateConverter().getCertificate(
                server.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        Files.writeString(tlsCaPem, pem(caCertificate));
        Files.writeString(directory.resolve("cert.pem"), pem(serverCertificate));
        // PKCS#8, which Go's tls package reads for every key type.
        Files.writeString(directory.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(serverKey.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    @Override
    public void close() throws Exception {
        try {
            stopProcess();
        } finally {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
