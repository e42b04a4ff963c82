package dev.berth.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.sdk.model.AccessLogEntry;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogFollowerTest {
    static AccessLogEntry entry(String time, String uri) {
        return new AccessLogEntry().time(OffsetDateTime.parse(time)).method("GET").uri(uri).status(200);
    }

    @Test
    void printsIdenticalRequestsOfTheSameSecondOnceEachAcrossPolls() {
        LogFollower follower = new LogFollower();
        AccessLogEntry a = entry("2026-12-01T10:00:00Z", "/same");
        assertThat(follower.next(List.of(a), 50).entries()).hasSize(1);
        // A second identical request in the same second arrives: only the new one is printed.
        assertThat(follower.next(List.of(entry("2026-12-01T10:00:00Z", "/same"), a), 200).entries()).hasSize(1);
        assertThat(follower.next(List.of(entry("2026-12-01T10:00:00Z", "/same"), a), 200).entries()).isEmpty();
        LogFollower.Batch later = follower.next(List.of(entry("2026-12-01T10:00:01Z", "/next"), a, a), 200);
        assertThat(later.entries()).extracting(AccessLogEntry::getUri).containsExactly("/next");
        assertThat(later.mayHaveMissed()).isFalse();
    }

    @Test
    void aFullPollOfOnlyNewRequestsSaysSomeMayBeMissing() {
        LogFollower follower = new LogFollower();
        follower.next(List.of(entry("2026-12-01T10:00:00Z", "/a")), 50);
        LogFollower.Batch burst = follower.next(List.of(entry("2026-12-01T10:00:05Z", "/c"), entry("2026-12-01T10:00:04Z", "/b")), 2);
        assertThat(burst.mayHaveMissed()).isTrue();
        assertThat(burst.entries()).extracting(AccessLogEntry::getUri).containsExactly("/b", "/c");
    }
}
