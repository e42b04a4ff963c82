package dev.berth.api.domains;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.AddDomainRequest;
import dev.berth.api.generated.model.Domain;
import dev.berth.api.generated.model.DomainList;
import dev.berth.api.generated.model.DomainVerification;
import dev.berth.api.generated.resources.DomainsApi;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** A tenant's custom domains of a site, with their ownership proof. */
public final class DomainsResource implements DomainsApi {
    private final DomainService domains;

    public DomainsResource(DomainService domains) {
        this.domains = domains;
    }

    @Override
    public Response listSiteDomains(String siteName) {
        return Response.ok(new DomainList(domains.list(Access.caller(), siteName).stream()
                .map(row -> toDto(siteName, row)).toList())).build();
    }

    @Override
    public Response addSiteDomain(String siteName, AddDomainRequest request) {
        DomainService.Added added = domains.add(Access.caller(), siteName, request.getHostname());
        Domain dto = toDto(siteName, added.domain());
        if (added.existed()) {
            return Response.ok(dto).build();
        }
        return Response.created(URI.create("/api/v1/sites/" + siteName + "/domains/" + dto.getHostname())).entity(dto).build();
    }

    @Override
    public Response removeSiteDomain(String siteName, String hostname) {
        domains.remove(Access.caller(), siteName, hostname);
        return Response.noContent().build();
    }

    private Domain toDto(String siteName, DomainDao.DomainRow row) {
        Domain dto = new Domain(row.hostname(), siteName, Domain.StatusEnum.fromValue(row.status()),
                new DomainVerification(DomainService.challengeName(row.hostname()), DomainVerification.RecordTypeEnum.TXT,
                        domains.token(row.tenantId())),
                Times.utc(row.createdAt()));
        dto.setReason(row.reason());
        dto.setCheckedAt(row.checkedAt() == null ? null : Times.utc(row.checkedAt()));
        dto.setVerifiedAt(row.verifiedAt() == null ? null : Times.utc(row.verifiedAt()));
        dto.setNextCheckAt(Times.utc(row.nextCheckAt()));
        return dto;
    }
}
