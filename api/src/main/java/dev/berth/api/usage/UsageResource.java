package dev.berth.api.usage;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.AccessLog;
import dev.berth.api.generated.model.AccessLogEntry;
import dev.berth.api.generated.model.SiteUsage;
import dev.berth.api.generated.model.UsageSample;
import dev.berth.api.generated.resources.UsageApi;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/** A site's usage graphs and recent requests. */
public final class UsageResource implements UsageApi {
    /** One entry per line: the API's JSON conventions (RFC 3339 times, no nulls), never indented. */
    private static final com.fasterxml.jackson.databind.ObjectMapper LINES = io.dropwizard.jackson.Jackson.newObjectMapper()
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    private final UsageService usage;

    public UsageResource(UsageService usage) {
        this.usage = usage;
    }

    @Override
    public Response getSiteUsage(String siteName, String period) {
        UsageService.Period span;
        try {
            span = period == null ? UsageService.Period.HOUR : UsageService.Period.valueOf(period.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException unknown) {
            throw dev.berth.api.platform.Problems.VALIDATION.with("period must be hour, day or month");
        }
        UsageService.SiteUsage found = usage.usage(Access.caller(), siteName, span);
        List<UsageSample> samples = found.points().stream().map(point -> new UsageSample(Times.utc(point.time()))
                .cpuMillicores(point.cpuMillicores())
                .memoryBytes(point.memoryBytes())
                .pids(point.pids())
                .requests(point.requests())).toList();
        SiteUsage dto = new SiteUsage(found.site(), (int) found.sampleInterval().toSeconds(), samples)
                .period(SiteUsage.PeriodEnum.fromValue(found.period().name().toLowerCase(java.util.Locale.ROOT)));
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

    @Override
    public Response exportSiteAccessLog(String siteName, String from, String to, Integer limit) {
        UsageService.Export export = usage.export(Access.caller(), siteName, from, to, limit);
        StreamingOutput body = out -> {
            try (dev.berth.api.hosts.AccessLogStream entries = export.entries()) {
                java.io.Writer writer = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out, java.nio.charset.StandardCharsets.UTF_8));
                for (dev.berth.hostprotocol.AccessLogEntry entry = entries.next(); entry != null; entry = entries.next()) {
                    AccessLogEntry dto = toDto(entry);
                    if (dto != null) {
                        writer.write(LINES.writeValueAsString(dto));
                        writer.write('\n');
                    }
                }
                writer.flush();
            }
        };
        String file = export.site() + "-access-" + export.from().toString().replace(":", "") + "-" + export.to().toString().replace(":", "")
                + ".ndjson";
        return Response.ok(body, "application/x-ndjson").header("Content-Disposition", "attachment; filename=\"" + file + "\"").build();
    }

    /** nginx's entry in the API's shape; an entry whose time cannot be read is left out. */
    private static AccessLogEntry toDto(dev.berth.hostprotocol.AccessLogEntry entry) {
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
