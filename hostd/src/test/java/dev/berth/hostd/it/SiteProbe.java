package dev.berth.hostd.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.testkit.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code src/test/c/site-probe.c} (built here with {@code gcc -static}) as the process of a
 * container whose OCI configuration is a running site's own, as hostd generated it: same user
 * namespace and uid, capabilities, no_new_privs, seccomp filter, rlimits, mounts (the site's
 * content read-only at /srv), masked paths, network namespace and resource limits. Only
 * {@code process.args} and {@code root.path} differ (a root holding the probe alone), and the
 * cgroup is a sibling of the site's with the same limits (runc deleting the probe's container
 * would otherwise tear down the cgroup the site's server runs in). So what the probe reports is
 * what the site's server itself can and cannot do; {@code nsenter} could not show this, as it
 * carries neither the seccomp filter nor no_new_privs.
 */
final class SiteProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static Path binary;

    private SiteProbe() {
    }

    /** gcc and the static C library are there (Debian's gcc and libc6-dev). */
    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/gcc")) && Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libc.a"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libc.a"));
    }

    private static synchronized Path binary() throws IOException {
        if (binary == null) {
            Path source = Path.of("src/test/c/site-probe.c").toAbsolutePath();
            Path built = Path.of("target/site-probe").toAbsolutePath();
            Commands.run(List.of("gcc", "-static", "-O1", "-Wall", "-o", built.toString(), source.toString()));
            binary = built;
        }
        return binary;
    }

    /**
     * Runs the probe in the confinement of {@code siteId}'s container and returns what it printed.
     *
     * @param arguments the probe's arguments (a content file to try writing, a host path that must be invisible)
     */
    static Map<String, String> run(TestHost host, UUID siteId, String... arguments) throws Exception {
        String container = host.prefix + "-" + siteId;
        ObjectNode config = (ObjectNode) JSON.readTree(host.runDirectory.resolve("bundles").resolve(container).resolve("config.json").toFile());
        String id = host.prefix + "-probe" + RUNS.incrementAndGet();
        Path bundle = Files.createDirectories(host.dataDirectory.resolve(id));
        try {
            Path root = Files.createDirectories(bundle.resolve("rootfs"));
            Files.setPosixFilePermissions(bundle, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String mountPoint : List.of("proc", "dev", "tmp", "run", "srv")) {
                Files.createDirectories(root.resolve(mountPoint));
            }
            Files.copy(binary(), root.resolve("site-probe"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(root.resolve("site-probe"), PosixFilePermissions.fromString("r-xr-xr-x"));
            ArrayNode args = ((ObjectNode) config.path("process")).putArray("args");
            args.add("/site-probe");
            for (String argument : arguments) {
                args.add(argument);
            }
            ((ObjectNode) config.path("root")).put("path", root.toString());
            ObjectNode linux = (ObjectNode) config.path("linux");
            linux.put("cgroupsPath", linux.path("cgroupsPath").asText() + "-" + id);
            Files.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(config));
            Process runc = new ProcessBuilder("runc", "--root", host.runDirectory.resolve("runc").toString(), "run", "--bundle",
                    bundle.toString(), id).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(bundle.resolve("stderr").toFile()).start();
            String output = new String(runc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!runc.waitFor(30, TimeUnit.SECONDS)) {
                runc.destroyForcibly();
            }
            Map<String, String> facts = new LinkedHashMap<>();
            output.lines().filter(line -> line.contains("=")).forEach(line -> facts.put(line.substring(0, line.indexOf('=')),
                    line.substring(line.indexOf('=') + 1)));
            if (!facts.containsKey("done")) {
                throw new AssertionError("the probe did not finish: " + output + " " + Files.readString(bundle.resolve("stderr")));
            }
            return facts;
        } finally {
            Commands.exitCode(List.of("runc", "--root", host.runDirectory.resolve("runc").toString(), "delete", "--force", id));
            dev.berth.testkit.HostCleanup.deleteTree(bundle);
        }
    }
}
