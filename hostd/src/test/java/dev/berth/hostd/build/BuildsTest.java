package dev.berth.hostd.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.site.InvalidSpecException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildsTest {
    @TempDir
    Path directory;

    @Test
    void aLineLongerThanTheLimitIsCutWithoutKeepingTheRestAndLinesAreCleaned() throws Exception {
        // A line of a million characters without a newline: read, cut, and the next line still comes.
        Reader reader = new StringReader("a".repeat(1_000_000) + "\nsecond\r\nlast");
        String first = Builds.boundedLine(reader);
        assertThat(first).hasSize(Builds.MAX_LINE_CHARS + 3).endsWith("...");
        assertThat(Builds.clean(Builds.boundedLine(reader))).isEqualTo("second");
        assertThat(Builds.boundedLine(reader)).isEqualTo("last");
        assertThat(Builds.boundedLine(reader)).isNull();
        assertThat(Builds.clean("\u001B[32mok\u001B[0m done\u0007")).isEqualTo("ok done");
    }

    @Test
    void aStepThatWouldLeaveTheSourcesIsRefusedBeforeAnythingRuns() {
        for (String output : new String[] {"../etc", "/public", "public/../..", ".", "a//b", "pub lic", ""}) {
            assertThatThrownBy(() -> Builds.validate("hugo", output)).as(output).isInstanceOf(InvalidSpecException.class);
        }
        assertThatThrownBy(() -> Builds.validate("", "public")).isInstanceOf(InvalidSpecException.class);
        assertThatThrownBy(() -> Builds.validate("a\0b", "public")).isInstanceOf(InvalidSpecException.class);
    }

    @Test
    void theOutputFolderMustBeARealFolderAllTheWayDown() throws Exception {
        Path src = Files.createDirectories(directory.resolve("src"));
        Files.createDirectories(src.resolve("site/html"));
        Path elsewhere = Files.createDirectories(directory.resolve("elsewhere"));
        Files.createSymbolicLink(src.resolve("linked"), elsewhere);
        Files.createSymbolicLink(src.resolve("site/out"), elsewhere);
        Files.writeString(src.resolve("file"), "x");
        assertThat(Builds.outputDirectory(src, "site/html")).isEqualTo(src.resolve("site/html"));
        assertThat(Builds.outputDirectory(src, "linked")).as("a link").isNull();
        assertThat(Builds.outputDirectory(src, "site/out")).as("a link below").isNull();
        assertThat(Builds.outputDirectory(src, "file")).as("a file").isNull();
        assertThat(Builds.outputDirectory(src, "missing")).isNull();
    }
}
