package dev.berth.api.admin;

import dev.berth.api.generated.model.HostCertificate;
import dev.berth.api.generated.model.HostStatus;
import dev.berth.api.generated.model.HostWarmPool;
import dev.berth.api.generated.resources.AdminHostApi;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.platform.Times;
import dev.berth.hostprotocol.HostReport;
import jakarta.ws.rs.core.Response;
import java.time.Clock;

/** The host's health for platform admins, asked from hostd at each call. */
public final class AdminHostResource implements AdminHostApi {
    private final HostInsights host;
    private final Clock clock;

    public AdminHostResource(HostInsights host, Clock clock) {
        this.host = host;
        this.clock = clock;
    }

    @Override
    public Response adminGetHost() {
        HostStatus status;
        try {
            HostReport report = host.report();
            status = new HostStatus(true, report.healthy(), Times.utc(clock.instant()))
                    .cpus(report.cpus())
                    .memTotalBytes(report.memTotalBytes())
                    .memAvailableBytes(report.memAvailableBytes())
                    .sites(report.sites())
                    .runningSites(report.runningSites())
                    .failedSites(report.failedSites())
                    .runcVersion(report.runcVersion())
                    .nginxVersion(report.nginxVersion())
                    .cgroupMode(report.cgroupMode())
                    .bridge(report.bridge())
                    .ipv4Forwarding(report.ipv4Forwarding())
                    .ipv6Forwarding(report.ipv6Forwarding())
                    .proxyRunning(report.proxyRunning())
                    .certificates(report.certificates().stream().map(certificate -> new HostCertificate(certificate.name(),
                                    certificate.state())
                            .domains(certificate.domains())
                            .notAfter(Times.utc(certificate.notAfter()))
                            .lastError(certificate.lastError())).toList());
            if (report.warmPool() != null) {
                status.warmPool(new HostWarmPool(report.warmPool().size(), report.warmPool().ready())
                        .lastError(report.warmPool().lastError()));
            }
        } catch (HostException unreachable) {
            status = new HostStatus(false, false, Times.utc(clock.instant())).error(unreachable.getMessage());
        }
        return Response.ok(status).build();
    }
}
