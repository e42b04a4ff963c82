package dev.berth.api.certificates;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.CertificateSummary;
import dev.berth.api.generated.model.SiteCertificate;
import dev.berth.api.generated.resources.CertificatesApi;
import dev.berth.api.hosts.HostFault;
import dev.berth.api.platform.Times;
import dev.berth.hostprotocol.CertificateState;
import jakarta.ws.rs.core.Response;

/** A tenant's site certificates (state only; hostd issues and renews them). */
public final class CertificatesResource implements CertificatesApi {
    private final CertificateService certificates;

    public CertificatesResource(CertificateService certificates) {
        this.certificates = certificates;
    }

    /** The short form shown in the admin site list: state, expiry and the latest error in the host's or the CA's own words. */
    public static CertificateSummary summary(CertificateService.SiteCertificate found) {
        CertificateSummary dto = new CertificateSummary(CertificateSummary.StateEnum.fromValue(found.state()));
        dto.setLastError(found.hostError());
        found.certificate().ifPresent(state -> {
            dto.setNotAfter(Times.utc(state.notAfter()));
            dto.setLastError(state.lastError());
        });
        return dto;
    }

    /**
     * A tenant's view: the host's and the CA's own words (paths, addresses, the CA's detail) are
     * for operators; the tenant reads a stable fault and its short reason.
     */
    @Override
    public Response getSiteCertificate(String siteName) {
        CertificateService.SiteCertificate found = certificates.certificate(Access.caller(), siteName);
        SiteCertificate dto = new SiteCertificate(found.hostnames(), SiteCertificate.StateEnum.fromValue(found.state()));
        found.certificate().ifPresent(state -> fill(dto, state));
        HostFault fault = found.hostError() != null ? HostFault.UNAVAILABLE
                : found.certificate().map(CertificateState::lastError).isPresent() ? HostFault.CERTIFICATE : null;
        dto.setLastError(fault == null ? null : fault.reason());
        dto.setLastErrorType(fault == null ? null : fault.type());
        return Response.ok(dto).build();
    }

    private static void fill(SiteCertificate dto, CertificateState state) {
        dto.setDomains(state.domains());
        dto.setIssuer(state.issuer());
        dto.setSerialNumber(state.serialNumber());
        dto.setNotBefore(Times.utc(state.notBefore()));
        dto.setNotAfter(Times.utc(state.notAfter()));
        dto.setRenewAt(Times.utc(state.renewAt()));
        dto.setNextAttempt(Times.utc(state.nextAttempt()));
    }
}
