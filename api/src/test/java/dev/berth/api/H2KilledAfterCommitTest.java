package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A transaction H2 committed survives the API being killed right after: every shipped
 * configuration on H2 writes a commit out before it returns ({@code WRITE_DELAY=0}; H2's default
 * keeps it in memory for up to a second, and a {@code kill -9} in that second loses it). A child
 * JVM opens the database with the configuration's options, commits rows one by one and halts at
 * once, as {@code kill -9} would.
 */
class H2KilledAfterCommitTest {

    static Stream<Path> configurationsOnH2() throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> config = Files.list(Path.of("..", "config"))) {
            config.filter(file -> file.toString().endsWith(".yml")).sorted().forEach(files::add);
        }
        files.add(Path.of("..", "packaging", "berth-api", "etc", "api.yml"));
        List<Path> onH2 = files.stream().filter(file -> url(file).startsWith("jdbc:h2:")).toList();
        assertThat(onH2).isNotEmpty();
        return onH2.stream();
    }

    private static String url(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file)).path("database").path("url").asText("");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("configurationsOnH2")
    void rowsCommittedRightBeforeAKillAreThereAfterIt(Path file, @TempDir Path directory) throws Exception {
        String shipped = url(file);
        String options = shipped.contains(";") ? shipped.substring(shipped.indexOf(';')) : "";
        String database = "jdbc:h2:file:" + directory.resolve("berth") + options;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int run = 0; run < 3; run++) {
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Child.class.getName(), database)
                    .redirectErrorStream(true).start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(child.getInputStream().readAllBytes())).contains("committed");
        }
        try (Connection connection = DriverManager.getConnection(database, "sa", "");
             ResultSet count = connection.createStatement().executeQuery("SELECT COUNT(*) FROM committed")) {
            count.next();
            assertThat(count.getInt(1)).as(file + ": rows committed before three kills").isEqualTo(3);
        }
    }

    /** Commits one row, says so, and halts without any shutdown code (as kill -9 leaves it). */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Connection connection = DriverManager.getConnection(args[0], "sa", "");
            connection.createStatement().execute("CREATE TABLE IF NOT EXISTS committed(id UUID PRIMARY KEY)");
            connection.createStatement().execute("INSERT INTO committed VALUES(RANDOM_UUID())");
            System.out.println("committed");
            System.out.flush();
            Runtime.getRuntime().halt(9);
        }
    }
}
