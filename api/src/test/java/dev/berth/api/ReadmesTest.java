package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The READMEs that list what a module holds list all of it. */
class ReadmesTest {

    @Test
    void theApiReadmeNamesEveryTopLevelPackage() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> packages;
        try (Stream<Path> entries = Files.list(Path.of("src", "main", "java", "dev", "berth", "api"))) {
            packages = entries.filter(Files::isDirectory).map(path -> path.getFileName().toString()).sorted().toList();
        }
        assertThat(packages).contains("platform", "caller", "sites");
        assertThat(packages).as("packages api/README.md does not name as `NAME/`")
                .allMatch(name -> readme.contains("`" + name + "/"));
    }

    @Test
    void theSdkReadmeNamesTheClassOfEveryTag() throws IOException {
        String readme = Files.readString(Path.of("..", "sdk", "README.md"));
        JsonNode contract = new ObjectMapper(new YAMLFactory()).readTree(Path.of("..", "openapi.yaml").toFile());
        List<String> classes = new ArrayList<>();
        contract.path("tags").forEach(tag -> classes.add(tag.path("name").asText() + "Api"));
        assertThat(classes).hasSizeGreaterThan(10);
        assertThat(classes).as("SDK classes sdk/README.md does not name").allMatch(name -> readme.contains("`" + name + "`"));
        assertThat(readme).contains("all " + classes.size() + ":");
    }
}
