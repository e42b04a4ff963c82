package dev.berth.api.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostFaultTest {
    @Test
    void theMostTellingPartHostdNamedDecidesTheFault() {
        assertThat(HostFault.ofParts(Set.of("proxy", "runtime"))).isEqualTo(HostFault.SERVER);
        assertThat(HostFault.ofParts(Set.of("content"))).isEqualTo(HostFault.CONTENT);
        assertThat(HostFault.ofParts(Set.of("cgroups"))).isEqualTo(HostFault.LIMITS);
        assertThat(HostFault.ofParts(Set.of("network"))).isEqualTo(HostFault.NETWORK);
        assertThat(HostFault.ofParts(Set.of("dns"))).isEqualTo(HostFault.DNS);
        assertThat(HostFault.ofParts(Set.of("disk"))).isEqualTo(HostFault.DISK);
        assertThat(HostFault.ofParts(Set.of("something-new"))).isEqualTo(HostFault.OTHER);
        assertThat(HostFault.ofParts(List.of())).isEqualTo(HostFault.OTHER);
    }

    @Test
    void hostdsJoinedTextIsReadForItsPartsOnly() {
        assertThat(HostFault.ofLastError("proxy: nginx -t failed: a; b; network: veth: exists")).isEqualTo(HostFault.NETWORK);
        assertThat(HostFault.ofLastError("spec refused: limits out of range")).isEqualTo(HostFault.OTHER);
    }

    @Test
    void everyFaultHasAStableTypeAndAShortReasonAndUnknownSlugsReadAsOther() {
        for (HostFault fault : HostFault.values()) {
            assertThat(fault.type().toString()).startsWith("https://berth.dev/problems/").endsWith(fault.slug());
            assertThat(fault.reason()).hasSizeLessThan(120);
            assertThat(HostFault.fromSlug(fault.slug())).isEqualTo(fault);
        }
        assertThat(HostFault.fromSlug("from-a-newer-version")).isEqualTo(HostFault.OTHER);
    }
}
