package dev.berth.api.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;

/** The {@code events:} section of the API's configuration: webhook deliveries and the watchers. */
public class EventSettings {
    /**
     * Networks (CIDR) or {@code host:port} pairs an endpoint may be at although they are not
     * public: empty in production; the development configuration allows loopback.
     */
    @NotNull
    @JsonProperty
    public List<String> endpointAllowlist = new ArrayList<>();

    /** Plain http for allowlisted endpoints (development and tests only). */
    @JsonProperty
    public boolean allowPlainHttp = false;

    @Min(1)
    @Max(1000)
    @JsonProperty
    public int maxEndpointsPerTenant = 20;

    /** How often the worker looks for new events and due deliveries. */
    @Min(50)
    @Max(600_000)
    @JsonProperty
    public long pollIntervalMillis = 1_000;

    @Min(1)
    @Max(60)
    @JsonProperty
    public int connectTimeoutSeconds = 5;

    /** Bound on one delivery attempt, from connecting to reading the answer's excerpt. */
    @Min(1)
    @Max(120)
    @JsonProperty
    public int attemptTimeoutSeconds = 15;

    /** How often each site's certificate is asked from the host. */
    @Min(1)
    @Max(10_080)
    @JsonProperty
    public int certificateCheckMinutes = 60;

    /** A served certificate with fewer days than this left is announced as expiring (renewal starts at a third of its lifetime). */
    @Min(1)
    @Max(365)
    @JsonProperty
    public int certificateExpiringDays = 14;

    /** How often quota use is compared with the limits (also after each site creation). */
    @Min(1)
    @Max(86_400)
    @JsonProperty
    public int quotaCheckSeconds = 60;
}
