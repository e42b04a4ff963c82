package dev.berth.hostd.site;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecStoreTest {
    private static final UUID SITE = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final String OLDER_SPEC = """
            {"siteId":"11111111-2222-3333-4444-555555555555","name":"alpha","tenantId":"21111111-2222-3333-4444-555555555555",
             "hostnames":["alpha.localhost"],"ipv4":"10.1.1.5","ipv6":null,
             "siteLimits":{"cpuMillicores":500,"memoryMib":64,"pids":64},
             "tenantLimits":{"cpuMillicores":1000,"memoryMib":256,"pids":256},"running":true,"release":null,"generation":3}
            """;

    @Test
    void aSpecWrittenBeforeSuspensionExistedReadsAsNotSuspended(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve(SITE + ".json"), OLDER_SPEC, StandardCharsets.UTF_8);
        SpecStore store = new SpecStore(directory, new ObjectMapper());
        assertThat(store.get(SITE)).hasValueSatisfying(spec -> {
            assertThat(spec.suspended()).isFalse();
            assertThat(spec.generation()).isEqualTo(3);
        });
    }

    @Test
    void theSuspendedFlagSurvivesARestart(@TempDir Path directory) throws Exception {
        SiteSpec suspended = new SiteSpec(SITE, "alpha", UUID.randomUUID(), java.util.List.of("alpha.localhost"), "10.1.1.5", null,
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 4, true);
        new SpecStore(directory, new ObjectMapper()).put(suspended);
        assertThat(new SpecStore(directory, new ObjectMapper()).get(SITE)).contains(suspended);
    }
}
