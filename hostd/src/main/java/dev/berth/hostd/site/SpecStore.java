package dev.berth.hostd.site;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired specs hostd holds, one JSON file per site, written atomically so that a restart
 * converges again from disk. Thread-safe; reads come from memory.
 */
public final class SpecStore {
    private static final Logger LOG = LoggerFactory.getLogger(SpecStore.class);
    private final Path directory;
    private final ObjectMapper mapper;
    private final Map<UUID, SiteSpec> specs = new ConcurrentHashMap<>();

    public SpecStore(Path directory, ObjectMapper mapper) throws IOException {
        this.directory = directory;
        this.mapper = mapper;
        Files.createDirectories(directory);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String fileName = file.getFileName().toString();
                if (!fileName.endsWith(".json") || fileName.startsWith(".")) {
                    continue;
                }
                try {
                    SiteSpec spec = mapper.readValue(file.toFile(), SiteSpec.class);
                    specs.put(spec.siteId(), spec);
                } catch (IOException e) {
                    LOG.error("ignoring unreadable spec {}", file, e);
                }
            }
        }
    }

    public synchronized void put(SiteSpec spec) throws IOException {
        AtomicFiles.write(directory.resolve(spec.siteId() + ".json"), mapper.writeValueAsBytes(spec));
        specs.put(spec.siteId(), spec);
    }

    public synchronized void remove(UUID siteId) throws IOException {
        Files.deleteIfExists(directory.resolve(siteId + ".json"));
        AtomicFiles.fsyncDirectory(directory);
        specs.remove(siteId);
    }

    public Optional<SiteSpec> get(UUID siteId) {
        return Optional.ofNullable(specs.get(siteId));
    }

    public List<SiteSpec> all() {
        return new ArrayList<>(specs.values());
    }
}
