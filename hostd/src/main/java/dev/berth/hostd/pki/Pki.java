package dev.berth.hostd.pki;

import dev.berth.hostprotocol.net.Subnet4;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The platform's own certificate authority for the API <-> hostd TCP listener (mutual TLS), kept as
 * PKCS12 files in one directory:
 * <ul>
 * <li>{@value #CA_STORE}: the CA's key and certificate (0600; only {@code hostd pki} reads it);</li>
 * <li>{@value #TRUST_STORE} and {@value #CA_CERT}: the CA's certificate alone, the trust store of
 * both sides (a hostd trusts clients, the API trusts nodes, of this CA only);</li>
 * <li>{@code node-NAME.p12}: a node's server key and certificate (subject alternative names: its
 * name and addresses; extended key usage serverAuth; 0600);</li>
 * <li>{@code client-NAME.p12}: a client's key and certificate (the API's; clientAuth; 0600).</li>
 * </ul>
 * Keys are EC P-256, signatures SHA-256 with ECDSA; the CA is valid 10 years, the others 2.
 * Every file is written to a temporary sibling created 0600 and renamed into place; an existing CA
 * is never replaced. Not thread-safe (a command run).
 */
public final class Pki {
    public static final String CA_STORE = "ca.p12";
    public static final String CA_CERT = "ca.crt";
    public static final String TRUST_STORE = "trust.p12";
    static final String KEY_ALIAS = "key";
    static final String CA_ALIAS = "berth-platform-ca";
    private static final Duration CA_VALIDITY = Duration.ofDays(3653);
    private static final Duration LEAF_VALIDITY = Duration.ofDays(731);
    private static final String NAME_RULE = "[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?";

    private final Path directory;
    private final char[] password;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param directory where the stores are
     * @param password  the password of every store it writes and of the CA store it reads
     */
    public Pki(Path directory, char[] password, Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.password = password.clone();
        this.clock = Objects.requireNonNull(clock, "clock");
        if (password.length == 0) {
            throw new IllegalArgumentException("a store password is required");
        }
    }

    /**
     * Creates the platform CA.
     *
     * @throws FileAlreadyExistsException if the directory holds a CA already (it is never replaced:
     *                                    every node and client certificate chains to it)
     */
    public X509Certificate createCa(String commonName) throws IOException, GeneralSecurityException {
        Path store = directory.resolve(CA_STORE);
        if (Files.exists(store)) {
            throw new FileAlreadyExistsException(store.toString(), null, "a platform CA exists already; it is never replaced");
        }
        KeyPair keys = newKeyPair();
        X500Name subject = name(commonName);
        Instant now = clock.instant();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(300)),
                Date.from(now.plus(CA_VALIDITY)), subject, keys.getPublic());
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate certificate = sign(builder, keys.getPrivate());
        Files.createDirectories(directory);
        writeKeyStore(store, keys.getPrivate(), new X509Certificate[] {certificate});
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(CA_ALIAS, certificate);
        writePrivate(directory.resolve(TRUST_STORE), bytes(trust));
        writePrivate(directory.resolve(CA_CERT), pem(certificate));
        return certificate;
    }

    /**
     * Issues a node's server certificate, written to {@code node-NAME.p12}.
     *
     * @param node      the node's name (a DNS name; also its first subject alternative name)
     * @param addresses IP literals the API reaches the node at
     * @param dnsNames  further DNS names of the node
     */
    public Path issueNode(String node, List<String> addresses, List<String> dnsNames) throws IOException, GeneralSecurityException {
        requireName(node);
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.dNSName, node));
        for (String dns : dnsNames) {
            requireName(dns);
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (String address : addresses) {
            names.add(new GeneralName(GeneralName.iPAddress, literal(address).getHostAddress()));
        }
        return issue("node-" + node + ".p12", node, names, KeyPurposeId.id_kp_serverAuth);
    }

    /** Issues a client certificate (the API's), written to {@code client-NAME.p12}. */
    public Path issueClient(String client) throws IOException, GeneralSecurityException {
        requireName(client);
        return issue("client-" + client + ".p12", client, List.of(), KeyPurposeId.id_kp_clientAuth);
    }

    private Path issue(String file, String commonName, List<GeneralName> altNames, KeyPurposeId purpose)
            throws IOException, GeneralSecurityException {
        KeyStore ca = KeyStore.getInstance("PKCS12");
        Path caStore = directory.resolve(CA_STORE);
        if (!Files.exists(caStore)) {
            throw new IOException("no platform CA in " + directory + ": run `hostd pki ca` first");
        }
        try (InputStream in = Files.newInputStream(caStore)) {
            ca.load(in, password);
        }
        PrivateKey caKey = (PrivateKey) ca.getKey(KEY_ALIAS, password);
        X509Certificate caCertificate = (X509Certificate) ca.getCertificate(KEY_ALIAS);
        KeyPair keys = newKeyPair();
        Instant now = clock.instant();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(), Date.from(now.minusSeconds(300)),
                Date.from(now.plus(LEAF_VALIDITY)), name(commonName), keys.getPublic());
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCertificate));
        if (!altNames.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(altNames.toArray(GeneralName[]::new)));
        }
        X509Certificate certificate = sign(builder, caKey);
        Path target = directory.resolve(file);
        writeKeyStore(target, keys.getPrivate(), new X509Certificate[] {certificate, caCertificate});
        return target;
    }

    private KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Berth").addRDN(BCStyle.CN, commonName).build();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with " + key.getAlgorithm(), e);
        }
    }

    private void writeKeyStore(Path target, PrivateKey key, X509Certificate[] chain) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(KEY_ALIAS, key, password, chain);
        writePrivate(target, bytes(store));
    }

    private byte[] bytes(KeyStore store) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, password);
        return out.toByteArray();
    }

    private static byte[] pem(X509Certificate certificate) throws GeneralSecurityException {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded());
        return ("-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Created 0600 before a byte is written, then renamed into place: a key is never readable by others. */
    private static void writePrivate(Path target, byte[] content) throws IOException {
        Path temporary = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temporary, content);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static void requireName(String name) {
        if (name == null || !name.matches(NAME_RULE) || name.contains("..")) {
            throw new IllegalArgumentException("a node or client name must be a DNS name of lower-case letters, digits, '.' and '-', got "
                    + name);
        }
    }

    private static InetAddress literal(String address) {
        if (address.contains(":")) {
            if (!address.matches("[0-9a-fA-F:]{2,39}")) {
                throw new IllegalArgumentException("not an IP address: " + address);
            }
            try {
                return InetAddress.getByName(address);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + address, e);
            }
        }
        return Subnet4.parseAddress(address);
    }
}
