package dev.berth.api.usage;

import dev.berth.api.auth.Access;
import dev.berth.api.auth.Caller;
import dev.berth.api.generated.model.AccessLog;
import dev.berth.api.generated.model.AccessLogEntry;
import dev.berth.api.generated.model.SiteUsage;
import dev.berth.api.generated.model.UsageSample;
import dev.berth.api.generated.resources.UsageApi;
import dev.berth.api.platform.Times;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Response;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/** A site's usage graphs and recent requests. */
@RolesAllowed(Caller.USER)
public final class UsageResource implements UsageApi {
    private final UsageService usage;

    public UsageResource(UsageService usage) {
        this.usage = usage;
    }

    @Override
    public Response getSiteUsage(String siteName) {
        UsageService.SiteUsage found = usage.usage(Access.caller(), siteName);
        List<UsageSample> samples = found.points().stream().map(point -> new UsageSample(Times.utc(point.time()))
                .cpuMillicores(point.cpuMillicores())
                .memoryBytes(point.memoryBytes())
                .pids(point.pids())
                .requests(point.requests())).toList();
        SiteUsage dto = new SiteUsage(found.site(), (int) found.sampleInterval().toSeconds(), samples);
        if (found.limits() != null) {
            dto.setCpuLimitMillicores(found.limits().cpuMillicores());
            dto.setMemoryLimitBytes(found.limits().memoryMib() * 1024L * 1024L);
        }
        return Response.ok(dto).build();
    }

    @Override
    public Response getSiteAccessLog(String siteName, Integer limit) {
        List<AccessLogEntry> items = usage.accessLog(Access.caller(), siteName, limit == null ? 50 : limit).stream()
                .map(UsageResource::toDto).filter(Objects::nonNull).toList();
        return Response.ok(new AccessLog(items)).build();
    }

    /** nginx's entry in the API's shape; an entry whose time cannot be read is left out. */
    private static AccessLogEntry toDto(dev.berth.api.hosts.AccessLogEntry entry) {
        OffsetDateTime time;
        try {
            time = OffsetDateTime.parse(entry.time()).withOffsetSameInstant(java.time.ZoneOffset.UTC);
        } catch (DateTimeParseException | NullPointerException unreadable) {
            return null;
        }
        AccessLogEntry dto = new AccessLogEntry(time, nonNull(entry.method()), nonNull(entry.uri()), entry.status());
        dto.setHost(entry.host());
        dto.setBytesSent(entry.bytesSent());
        dto.setRequestSeconds(entry.requestSeconds());
        dto.setRemoteAddress(entry.remoteAddress());
        dto.setUserAgent(entry.userAgent());
        return dto;
    }

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }
}
