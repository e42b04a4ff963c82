package dev.berth.api.certificates;

import dev.berth.api.events.EventType;
import dev.berth.api.events.Events;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.platform.LoopService;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.hostprotocol.CertificateState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes certificate events. Certificates live on the host (hostd issues and renews them), so
 * this asks the host for each site's certificate periodically and compares with what it saw last
 * ({@code event_watch}): a new serial that is being served is {@code certificate.issued}; a change
 * to {@code failed} is {@code certificate.failed}; a served certificate with less than the
 * configured time left is {@code certificate.expiring}, once per serial. A certificate the watch
 * sees for the first time counts as issued only if it is younger than a day, so turning the watch
 * on does not announce every old certificate. Runs on its own thread.
 */
public final class CertificateWatch extends LoopService {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateWatch.class);
    static final String WATCH = "certificate";

    private final Jdbi jdbi;
    private final HostInsights host;
    private final Clock clock;
    private final Duration expiringWithin;

    /** @param expiringWithin a served certificate with less time than this left is announced as expiring */
    public CertificateWatch(Jdbi jdbi, HostInsights host, Clock clock, Duration expiringWithin, Duration interval) {
        super("certificate-watch", interval);
        this.jdbi = jdbi;
        this.host = host;
        this.clock = clock;
        this.expiringWithin = expiringWithin;
    }

    /** What one site's certificate looked like at the last pass: state, serial, and the serial whose expiry was announced. */
    record Seen(String state, String serial, String expiryAnnounced) {
        static Seen parse(String stored) {
            String[] parts = stored.split("\\|", -1);
            return new Seen(parts[0], parts[1], parts[2]);
        }

        String format() {
            return state + "|" + serial + "|" + expiryAnnounced;
        }
    }

    /** One pass over every site; a host that cannot be asked ends the pass. Visible for tests. */
    public synchronized void runOnce() {
        List<Site> sites = jdbi.withExtension(SiteDao.class, SiteDao::all);
        for (Site site : sites) {
            if (site.deleting()) {
                continue;
            }
            Optional<CertificateState> certificate;
            try {
                certificate = host.certificate(site.id());
            } catch (HostException unreachable) {
                LOG.debug("Certificate watch paused: {}", unreachable.getMessage());
                return;
            }
            if (certificate.isPresent()) {
                check(site, certificate.get());
            }
        }
    }

    private void check(Site site, CertificateState certificate) {
        Instant now = clock.instant();
        String serial = certificate.serialNumber() == null ? "" : certificate.serialNumber();
        boolean served = ("active".equals(certificate.state()) || "renewing".equals(certificate.state())) && !serial.isEmpty();
        jdbi.useTransaction(handle -> {
            Optional<Seen> before = Events.watched(handle, site.id(), WATCH).map(Seen::parse);
            Seen seen = before.orElse(new Seen("", "", ""));
            String announced = seen.expiryAnnounced();
            if (served && !serial.equals(seen.serial())) {
                boolean fresh = before.isPresent() || certificate.notBefore() == null || certificate.notBefore().isAfter(now.minus(Duration.ofDays(1)));
                if (fresh) {
                    Events.publish(handle, site.tenantId(), EventType.CERTIFICATE_ISSUED, now, data(site, certificate));
                }
            }
            if ("failed".equals(certificate.state()) && !"failed".equals(seen.state())) {
                Events.publish(handle, site.tenantId(), EventType.CERTIFICATE_FAILED, now, data(site, certificate));
            }
            if (served && certificate.notAfter() != null && certificate.notAfter().isBefore(now.plus(expiringWithin)) && !serial.equals(announced)) {
                Events.publish(handle, site.tenantId(), EventType.CERTIFICATE_EXPIRING, now, data(site, certificate));
                announced = serial;
            }
            Seen after = new Seen(Objects.requireNonNullElse(certificate.state(), ""), served ? serial : seen.serial(), announced);
            if (before.isEmpty() || !after.equals(seen)) {
                Events.recordWatched(handle, site.id(), WATCH, site.tenantId(), after.format(), now);
            }
        });
    }

    private static Map<String, Object> data(Site site, CertificateState certificate) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("hostnames", certificate.domains());
        details.put("state", certificate.state());
        details.put("issuer", certificate.issuer());
        details.put("serialNumber", certificate.serialNumber());
        details.put("notBefore", certificate.notBefore());
        details.put("notAfter", certificate.notAfter());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("site", site.name());
        data.put("certificate", details);
        data.put("error", certificate.lastError());
        return data;
    }

    @Override
    protected void pass() {
        runOnce();
    }
}
