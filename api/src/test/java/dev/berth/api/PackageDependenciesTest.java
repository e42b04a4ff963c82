package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the API's main sources, read from their text: which top-level package of
 * {@code dev.berth.api} names which other (imports and qualified names; comments left out). The
 * composition root ({@code dev.berth.api} itself) may use everything and nothing may use it; the
 * kernel packages {@code platform} and {@code caller} use no feature; the features form no cycle.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src", "main", "java", "dev", "berth", "api");
    private static final String ROOT = "(root)";
    /** Generated from openapi.yaml at build time: depends on nothing of ours. */
    private static final String GENERATED = "generated";
    private static final Set<String> KERNEL = Set.of("platform", "caller");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.berth\\.api\\.([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern COMMENT = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\\\n])*\"");

    /** package -> packages it names -> the files that name them. */
    private static Map<String, Map<String, Set<String>>> dependencies;

    @BeforeAll
    static void read() throws IOException {
        dependencies = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(file -> file.toString().endsWith(".java")).forEach(PackageDependenciesTest::readFile);
        }
    }

    private static void readFile(Path file) {
        Path relative = SOURCES.relativize(file);
        String from = relative.getNameCount() == 1 ? ROOT : relative.getName(0).toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        text = COMMENT.matcher(STRING.matcher(text).replaceAll("\"\"")).replaceAll(" ");
        Map<String, Set<String>> named = dependencies.computeIfAbsent(from, key -> new TreeMap<>());
        Matcher reference = REFERENCE.matcher(text);
        while (reference.find()) {
            String segment = reference.group(1);
            String to = Character.isUpperCase(segment.charAt(0)) ? ROOT : segment;
            if (!to.equals(from) && !to.equals(GENERATED)) {
                named.computeIfAbsent(to, key -> new TreeSet<>()).add(relative.toString());
            }
        }
    }

    @Test
    void theSourcesAreFoundAndReadAsAFeatureGraph() {
        assertThat(dependencies).containsKeys(ROOT, "platform", "caller", "auth", "sites", "reconcile", "deploys");
        assertThat(dependencies.get(ROOT)).containsKeys("platform", "sites", "reconcile");
        assertThat(dependencies.get("sites")).containsKey("platform");
    }

    @Test
    void nothingDependsOnTheCompositionRoot() {
        Map<String, Set<String>> users = new TreeMap<>();
        dependencies.forEach((from, named) -> {
            if (named.containsKey(ROOT)) {
                users.put(from, named.get(ROOT));
            }
        });
        assertThat(users).as("packages naming the composition root dev.berth.api (files)").isEmpty();
    }

    @Test
    void theKernelDependsOnNoFeature() {
        for (String kernel : KERNEL) {
            Map<String, Set<String>> features = new TreeMap<>(dependencies.getOrDefault(kernel, Map.of()));
            features.keySet().removeAll(KERNEL);
            assertThat(features).as(kernel + " names these feature packages (files)").isEmpty();
        }
        assertThat(dependencies.getOrDefault("platform", Map.of())).as("platform names caller").doesNotContainKey("caller");
    }

    @Test
    void theFeaturePackagesFormNoCycle() {
        List<List<String>> cycles = stronglyConnected().stream().filter(component -> component.size() > 1).toList();
        List<String> described = new ArrayList<>();
        for (List<String> component : cycles) {
            StringBuilder edges = new StringBuilder(String.join(", ", component)).append(":");
            for (String from : component) {
                dependencies.get(from).forEach((to, files) -> {
                    if (component.contains(to)) {
                        edges.append("\n  ").append(from).append(" -> ").append(to).append(" ").append(files);
                    }
                });
            }
            described.add(edges.toString());
        }
        assertThat(described).as("package cycles (each edge with the files that make it)").isEmpty();
    }

    /** Tarjan's strongly connected components of the package graph, each sorted. */
    private static List<List<String>> stronglyConnected() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> components = new ArrayList<>();
        for (String node : dependencies.keySet()) {
            if (!index.containsKey(node)) {
                connect(node, index, low, stack, onStack, components);
            }
        }
        return components;
    }

    private static void connect(String node, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
                                Set<String> onStack, List<List<String>> components) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        onStack.add(node);
        for (String next : dependencies.getOrDefault(node, Map.of()).keySet()) {
            if (!index.containsKey(next)) {
                connect(next, index, low, stack, onStack, components);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (onStack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            List<String> component = new ArrayList<>();
            String member;
            do {
                member = stack.pop();
                onStack.remove(member);
                component.add(member);
            } while (!member.equals(node));
            component.sort(String::compareTo);
            components.add(component);
        }
    }
}
