package dev.berth.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Parses a {@code /prometheus} answer with a real Prometheus text-format parser: the Prometheus
 * Python client's ({@code prometheus_client.parser}, Debian's {@code python3-prometheus-client},
 * which {@code scripts/deps.sh} installs), run as {@code /usr/bin/python3}. The Java client has
 * no parser; a parser of our own would only agree with our own writer.
 */
public final class PrometheusText {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    private PrometheusText() {
    }

    /** One sample: its family (counters without {@code _total}), type, name, labels and value (NaN for NaN and infinities). */
    public record Sample(String family, String type, String name, Map<String, String> labels, double value) {
        /** Whether every label given ({@code "state", "running"}, ...) has that value. */
        public boolean has(String... labelPairs) {
            for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(labels.get(labelPairs[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The parsed samples, with helpers to find them. */
    public record Exposition(List<Sample> samples) {
        /** Samples of this name (a sample name, e.g. {@code berth_deploys_finished_total}) with these labels. */
        public List<Sample> named(String name, String... labelPairs) {
            return samples.stream().filter(sample -> sample.name().equals(name) && sample.has(labelPairs)).toList();
        }

        /** The one value of this name with these labels. */
        public double value(String name, String... labelPairs) {
            List<Sample> found = named(name, labelPairs);
            if (found.size() != 1) {
                throw new AssertionError("expected one sample " + name + " " + List.of(labelPairs) + ", found " + found);
            }
            return found.get(0).value();
        }

        /** Whether any sample's name matches. */
        public boolean any(Predicate<String> name) {
            return samples.stream().anyMatch(sample -> name.test(sample.name()));
        }
    }

    /** Why the parser cannot run here, or empty when it can. */
    public static Optional<String> unavailable() {
        if (!Files.isExecutable(PYTHON)) {
            return Optional.of(PYTHON + " is missing (apt-get install python3-prometheus-client)");
        }
        if (!Files.isRegularFile(Path.of("/usr/lib/python3/dist-packages/prometheus_client/parser.py"))) {
            return Optional.of("python3-prometheus-client is not installed (scripts/deps.sh installs it)");
        }
        return Optional.empty();
    }

    /**
     * Parses an exposition.
     *
     * @throws AssertionError if the parser refuses it (a malformed exposition) or is missing
     */
    public static Exposition parse(String exposition) {
        unavailable().ifPresent(why -> {
            throw new AssertionError("cannot parse Prometheus text: " + why);
        });
        try (InputStream script = PrometheusText.class.getResourceAsStream("parse-prometheus.py")) {
            Path scriptFile = Files.createTempFile("parse-prometheus-", ".py");
            try {
                Files.write(scriptFile, script.readAllBytes());
                Process process = new ProcessBuilder(PYTHON.toString(), "-I", scriptFile.toString()).start();
                try (OutputStream in = process.getOutputStream()) {
                    in.write(exposition.getBytes(StandardCharsets.UTF_8));
                }
                byte[] out = process.getInputStream().readAllBytes();
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new AssertionError("the Prometheus parser refused the exposition: " + err);
                }
                return new Exposition(read(new String(out, StandardCharsets.UTF_8)));
            } finally {
                Files.deleteIfExists(scriptFile);
            }
        } catch (IOException failed) {
            throw new AssertionError("cannot run the Prometheus parser: " + failed.getMessage(), failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", interrupted);
        }
    }

    private static List<Sample> read(String json) throws IOException {
        List<Sample> samples = new ArrayList<>();
        for (JsonNode item : JSON.readTree(json)) {
            Map<String, String> labels = new LinkedHashMap<>();
            item.get("labels").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
            JsonNode value = item.get("value");
            samples.add(new Sample(item.get("family").asText(), item.get("type").asText(), item.get("name").asText(), labels,
                    value.isNumber() ? value.asDouble() : Double.NaN));
        }
        return samples;
    }
}
