package dev.berth.hostd.cgroups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.hostprotocol.ResourceLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files FileCgroups writes, on a directory tree laid out like a cgroup mount (no root needed). */
class FileCgroupsTest {
    @TempDir
    Path mount;
    private final UUID tenant = UUID.randomUUID();
    private final ResourceLimits limits = new ResourceLimits(1000, 256, 256);

    private Path v1(boolean swapAccounting) throws Exception {
        for (String controller : new String[] {"cpu", "memory", "pids"}) {
            Files.createDirectories(mount.resolve(controller));
        }
        Files.writeString(mount.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        if (swapAccounting) {
            Files.writeString(mount.resolve("memory/memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        }
        return mount.resolve("memory/berth/tenant-" + tenant);
    }

    @Test
    void onV1WithSwapAccountingTheTenantsMemoryLimitCoversSwap() throws Exception {
        Path memory = v1(true);
        FileCgroups cgroups = new FileCgroups(mount, "berth");
        assertThat(cgroups.limitsSwap()).isTrue();
        cgroups.ensureTenant(tenant, limits);
        assertThat(Files.readString(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(256L << 20));
        assertThat(Files.readString(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(256L << 20));
        // Lowered and raised again: both files follow.
        cgroups.ensureTenant(tenant, new ResourceLimits(1000, 128, 256));
        assertThat(Files.readString(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(128L << 20));
        cgroups.ensureTenant(tenant, new ResourceLimits(1000, 512, 256));
        assertThat(Files.readString(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(512L << 20));
        assertThat(Files.readString(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(512L << 20));
    }

    @Test
    void onV1WithoutSwapAccountingOnlyTheMemoryLimitIsWritten() throws Exception {
        Path memory = v1(false);
        FileCgroups cgroups = new FileCgroups(mount, "berth");
        assertThat(cgroups.limitsSwap()).isFalse();
        cgroups.ensureTenant(tenant, limits);
        assertThat(memory.resolve("memory.limit_in_bytes")).exists();
        assertThat(memory.resolve("memory.memsw.limit_in_bytes")).doesNotExist();
    }

    @Test
    void onV2TheTenantGetsNoSwap() throws Exception {
        Files.writeString(mount.resolve("cgroup.controllers"), "cpu memory pids\n");
        Path system = Files.createDirectories(mount.resolve("system.slice"));
        Files.writeString(system.resolve("memory.max"), "max\n");
        Files.writeString(system.resolve("memory.swap.max"), "max\n");
        FileCgroups cgroups = new FileCgroups(mount, "berth");
        assertThat(cgroups.limitsSwap()).isTrue();
        cgroups.ensureTenant(tenant, limits);
        Path tenantDirectory = mount.resolve("berth/tenant-" + tenant);
        assertThat(Files.readString(tenantDirectory.resolve("memory.max"))).isEqualTo(Long.toString(256L << 20));
        assertThat(Files.readString(tenantDirectory.resolve("memory.swap.max"))).isEqualTo("0");
    }
}
