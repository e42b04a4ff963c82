package dev.berth.hostd.tls;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates hostd keeps current, checked on start and then periodically on one background
 * thread ({@link ManagedCertificate#check()} decides whether anything is due). Also answers which
 * installed certificate covers a hostname, for the proxy. Thread-safe.
 */
public final class Certificates implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Certificates.class);

    private final List<ManagedCertificate> managed;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "certificates");
        thread.setDaemon(true);
        return thread;
    });

    public Certificates(List<ManagedCertificate> managed) {
        this.managed = List.copyOf(managed);
    }

    /** No certificates (HTTPS off). */
    public static Certificates none() {
        return new Certificates(List.of());
    }

    /** Checks every certificate now and then every {@code interval}. */
    public void start(Duration interval) {
        if (managed.isEmpty()) {
            return;
        }
        timer.scheduleWithFixedDelay(this::checkAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void checkAll() {
        for (ManagedCertificate certificate : managed) {
            try {
                certificate.check();
            } catch (RuntimeException e) {
                LOG.error("certificate check of {} failed", certificate.name(), e);
            }
        }
    }

    /** The name of an installed certificate valid for {@code hostname}. */
    public Optional<String> certificateFor(String hostname) {
        for (ManagedCertificate certificate : managed) {
            if (certificate.active() && certificate.covers(hostname)) {
                return Optional.of(certificate.name());
            }
        }
        return Optional.empty();
    }

    public List<CertificateStatus> statuses() {
        return managed.stream().map(ManagedCertificate::status).toList();
    }

    /** Statuses of the certificates covering any of {@code hostnames} (installed or not). */
    public List<CertificateStatus> covering(List<String> hostnames) {
        return managed.stream().filter(certificate -> hostnames.stream().anyMatch(certificate::covers))
                .map(ManagedCertificate::status).toList();
    }

    public Optional<ManagedCertificate> get(String name) {
        return managed.stream().filter(certificate -> certificate.name().equals(name)).findFirst();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
