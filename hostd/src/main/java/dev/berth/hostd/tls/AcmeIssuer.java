package dev.berth.hostd.tls;

import dev.berth.hostd.dns.Dns;
import dev.berth.hostd.dns.DnsException;
import dev.berth.hostprotocol.AcmeChallenge;
import dev.berth.hostprotocol.PendingOrder;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Certificate;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.RenewalInfo;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Dns01Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.Resource;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.AcmeProvider;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues certificates over ACME with acme4j. A name in the DNS provider's zone (and every wildcard)
 * is proven with DNS-01 ({@code _acme-challenge} TXT through {@link Dns}); any other name with
 * HTTP-01, answered by nginx from {@code challengeDirectory} for every hostname. The account key
 * is created once and kept (0600). acme4j itself retries a request the CA rejects with
 * {@code badNonce}; an authorization the CA reports valid already (reuse) is not challenged again.
 * Thread-safe: one issuance at a time.
 */
public final class AcmeIssuer implements Issuer, Orders {
    private static final Logger LOG = LoggerFactory.getLogger(AcmeIssuer.class);

    /**
     * @param directoryUrl       the CA's ACME directory (Let's Encrypt, its staging, Pebble)
     * @param trustedCaPem       optional PEM of the CA's own TLS root (private CA, Pebble); null: the JDK's
     * @param accountKeyFile     the account key, created on first use
     * @param email              optional account contact
     * @param challengeDirectory where HTTP-01 key authorizations are written (served by nginx)
     * @param timeout            how long to wait for validation and for the certificate
     */
    public record Settings(URI directoryUrl, Path trustedCaPem, Path accountKeyFile, String email, Path challengeDirectory,
                           Duration timeout) {
    }

    private final Settings settings;
    private final Dns dns;
    private final AcmeProvider provider;
    private Login login;
    private final java.util.Map<String, Pending> pending = new java.util.HashMap<>();

    public AcmeIssuer(Settings settings, Dns dns) throws IOException {
        AccountKeys.registerProvider();
        this.settings = settings;
        this.dns = dns;
        this.provider = settings.trustedCaPem() == null ? new GenericAcmeProvider() : new TrustingAcmeProvider(settings.trustedCaPem());
    }

    private synchronized Login login() throws AcmeException, IOException {
        if (login == null) {
            KeyPair accountKey = AccountKeys.loadOrCreate(settings.accountKeyFile());
            Session session = new Session(settings.directoryUrl(), provider);
            AccountBuilder builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
            if (settings.email() != null && !settings.email().isBlank()) {
                builder.addEmail(settings.email());
            }
            // Registering an existing key returns the existing account: the same call on every start.
            login = builder.createLogin(session);
        }
        return login;
    }

    @Override
    public synchronized Issued issue(List<String> domains) throws CertificateFailure {
        return finish(begin(domains).orderId());
    }

    /**
     * Opens an order and prepares its challenges without submitting them: DNS-01 records are
     * published, HTTP-01 answers are written for this node's proxy and listed, so that the caller
     * can have every other node serve them before {@link #finish}. An order left unfinished for
     * twice the timeout is dropped (its records and files removed) at the next call.
     */
    @Override
    public synchronized PendingOrder begin(List<String> domains) throws CertificateFailure {
        dropStaleOrders();
        List<Runnable> cleanUps = new ArrayList<>();
        try {
            Account account = login().getAccount();
            Order order = account.newOrder().domains(domains).create();
            List<Challenge> prepared = new ArrayList<>();
            List<AcmeChallenge> answers = new ArrayList<>();
            for (Authorization authorization : order.getAuthorizations()) {
                if (authorization.getStatus() == Status.VALID) {
                    continue;
                }
                Challenge challenge = prepare(authorization, cleanUps);
                prepared.add(challenge);
                if (challenge instanceof Http01Challenge http) {
                    answers.add(new AcmeChallenge(http.getToken(), http.getAuthorization()));
                }
            }
            String orderId = "o-" + java.util.UUID.randomUUID();
            pending.put(orderId, new Pending(order, domains, prepared, cleanUps, java.time.Instant.now()));
            return new PendingOrder(orderId, answers);
        } catch (AcmeException | IOException | RuntimeException e) {
            cleanUps.forEach(Runnable::run);
            login = null;
            throw new CertificateFailure("ACME " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Submits a {@link #begin begun} order's challenges, waits for the CA and returns the certificate; cleans up either way. */
    @Override
    public synchronized Issued finish(String orderId) throws CertificateFailure {
        Pending open = pending.remove(orderId);
        if (open == null) {
            throw new CertificateFailure("no open order " + orderId + " on this node (finished, expired, or hostd restarted)");
        }
        Order order = open.order();
        try {
            for (Challenge challenge : open.challenges()) {
                challenge.trigger();
            }
            for (Authorization authorization : order.getAuthorizations()) {
                if (authorization.getStatus() == Status.VALID) {
                    continue;
                }
                Status status = authorization.waitForCompletion(settings.timeout());
                if (status != Status.VALID) {
                    throw new CertificateFailure("authorization of " + authorization.getIdentifier().getDomain() + " is "
                            + status + problemOf(authorization));
                }
            }
            KeyPair domainKey = KeyPairUtils.createECKeyPair("secp256r1");
            order.execute(domainKey);
            Status status = order.waitForCompletion(settings.timeout());
            if (status != Status.VALID) {
                throw new CertificateFailure("order for " + open.domains() + " is " + status
                        + order.getError().map(problem -> ": " + problem).orElse(""));
            }
            Certificate certificate = order.getCertificate();
            StringWriter chain = new StringWriter();
            certificate.writeCertificate(chain);
            StringWriter key = new StringWriter();
            KeyPairUtils.writeKeyPair(domainKey, key);
            return new Issued(chain.toString(), key.toString());
        } catch (AcmeException | IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // Log in afresh next time: the CA may have lost the account or changed its directory.
            login = null;
            throw new CertificateFailure("ACME " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            open.cleanUps().forEach(Runnable::run);
        }
    }

    private void dropStaleOrders() {
        java.time.Instant staleBefore = java.time.Instant.now().minus(settings.timeout().multipliedBy(2));
        pending.entrySet().removeIf(entry -> {
            if (entry.getValue().opened().isBefore(staleBefore)) {
                entry.getValue().cleanUps().forEach(Runnable::run);
                return true;
            }
            return false;
        });
    }

    private record Pending(Order order, List<String> domains, List<Challenge> challenges, List<Runnable> cleanUps,
                           java.time.Instant opened) {
    }

    private static String problemOf(Authorization authorization) {
        for (Challenge challenge : authorization.getChallenges()) {
            if (challenge.getError().isPresent()) {
                return ": " + challenge.getError().get();
            }
        }
        return "";
    }

    private Challenge prepare(Authorization authorization, List<Runnable> cleanUps) throws CertificateFailure, IOException {
        String domain = authorization.getIdentifier().getDomain();
        if (authorization.isWildcard() || dns.manages(domain)) {
            Dns01Challenge challenge = authorization.findChallenge(Dns01Challenge.class)
                    .orElseThrow(() -> new CertificateFailure("the CA offers no dns-01 challenge for " + domain));
            String name = Dns01Challenge.toRRName(authorization.getIdentifier());
            String digest = challenge.getDigest();
            try {
                dns.addTxt(name, digest);
            } catch (DnsException e) {
                throw new CertificateFailure("cannot publish the dns-01 TXT record " + name + ": " + e.getMessage(), e);
            }
            cleanUps.add(() -> {
                try {
                    dns.removeTxt(name, digest);
                } catch (DnsException e) {
                    LOG.warn("could not remove TXT {}: {}", name, e.getMessage());
                }
            });
            return challenge;
        }
        Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class)
                .orElseThrow(() -> new CertificateFailure("the CA offers no http-01 challenge for " + domain));
        String token = challenge.getToken();
        if (!token.matches("[A-Za-z0-9_-]{16,256}")) {
            throw new CertificateFailure("the CA sent an unexpected http-01 token");
        }
        Path file = settings.challengeDirectory().resolve(token);
        Files.createDirectories(settings.challengeDirectory());
        Files.writeString(file, challenge.getAuthorization(), StandardCharsets.US_ASCII);
        file.toFile().setReadable(true, false);
        cleanUps.add(() -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", file, e.getMessage());
            }
        });
        return challenge;
    }

    @Override
    public Optional<RenewalWindow> renewalWindow(X509Certificate certificate) throws CertificateFailure {
        try {
            Login current = login();
            if (current.getSession().resourceUrlOptional(Resource.RENEWAL_INFO).isEmpty()) {
                return Optional.empty();
            }
            RenewalInfo info = current.bindRenewalInfo(certificate);
            return Optional.of(new RenewalWindow(info.getSuggestedWindowStart(), info.getSuggestedWindowEnd()));
        } catch (AcmeException | IOException e) {
            throw new CertificateFailure("ACME renewal information: " + e.getMessage(), e);
        }
    }

    @Override
    public void revoke(X509Certificate certificate) throws CertificateFailure {
        try {
            Certificate.revoke(login(), certificate, null);
        } catch (AcmeException | IOException e) {
            throw new CertificateFailure("ACME revocation: " + e.getMessage(), e);
        }
    }

    @Override
    public void revoke(Issued certificate) throws CertificateFailure {
        try {
            X509Certificate leaf = parseChain(certificate.chainPem()).get(0);
            Certificate.revoke(new Session(settings.directoryUrl(), provider), parseKey(certificate.privateKeyPem()), leaf, null);
        } catch (AcmeException | IOException | RuntimeException e) {
            throw new CertificateFailure("ACME revocation: " + e.getMessage(), e);
        }
    }

    /** Parses a PEM chain (leaf first). */
    public static List<X509Certificate> parseChain(String pem) throws CertificateFailure {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            java.security.cert.CertificateFactory factory = java.security.cert.CertificateFactory.getInstance("X.509");
            for (java.security.cert.Certificate certificate : factory.generateCertificates(
                    new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                chain.add((X509Certificate) certificate);
            }
            if (chain.isEmpty()) {
                throw new CertificateFailure("no certificate in the chain");
            }
            return chain;
        } catch (java.security.cert.CertificateException e) {
            throw new CertificateFailure("unreadable certificate chain: " + e.getMessage(), e);
        }
    }

    static KeyPair parseKey(String pem) throws IOException {
        AccountKeys.registerProvider();
        return KeyPairUtils.readKeyPair(new StringReader(pem));
    }

}
