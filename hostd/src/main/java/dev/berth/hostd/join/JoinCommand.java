package dev.berth.hostd.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.HostdConfiguration;
import dev.berth.hostd.site.AtomicFiles;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code hostd join --api URL --name NAME --url https://HOST:PORT CONFIG}: the node joins the
 * platform with a one-time token an admin made ({@code POST /admin/nodes/join-tokens}), read from
 * {@code BERTH_JOIN_TOKEN} (never from the command line, where other users could read it). The
 * public addresses and the mutual-TLS port come from {@code CONFIG} ({@link NodeJoin}); hostd must
 * be running with that configuration, because the API dials the node before registering it. On
 * success the join is recorded in {@code dataDirectory/node.json}, and a node that has one refuses
 * to join again (it would be registered twice).
 */
public final class JoinCommand extends ConfiguredCommand<HostdConfiguration> {
    static final String TOKEN_VARIABLE = "BERTH_JOIN_TOKEN";

    public JoinCommand() {
        super("join", "join the platform as a node, with the one-time token in BERTH_JOIN_TOKEN");
    }

    @Override
    public void configure(Subparser subparser) {
        super.configure(subparser);
        subparser.addArgument("--api").required(true).help("the API's URL, e.g. https://api.example.net");
        subparser.addArgument("--name").required(true).help("the node's name (a DNS label)");
        subparser.addArgument("--url").required(true).help("where the API reaches this node's mutual-TLS connector, https://HOST:PORT");
        subparser.addArgument("--capacity-sites").dest("capacitySites").type(Integer.class).setDefault(1000)
                .help("how many sites the node takes (default 1000)");
    }

    /** The reason, not a stack trace: a refused join is the operator's to fix. */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("hostd join: " + (error.getMessage() == null ? error : error.getMessage()));
    }

    @Override
    protected void run(Bootstrap<HostdConfiguration> bootstrap, Namespace namespace, HostdConfiguration configuration)
            throws Exception {
        String token = System.getenv(TOKEN_VARIABLE);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(TOKEN_VARIABLE + " must hold the join token (POST /admin/nodes/join-tokens)");
        }
        NodeJoin join = NodeJoin.of(configuration, namespace.getString("api"), namespace.getString("name"),
                namespace.getString("url"), namespace.getInt("capacitySites"));
        Path record = Path.of(configuration.dataDirectory, "node.json");
        ObjectMapper json = bootstrap.getObjectMapper();
        if (Files.exists(record)) {
            throw new IllegalStateException("this node already joined (" + record + ": " + Files.readString(record).strip()
                    + "); remove the file only if the API no longer lists the node");
        }
        JsonNode node = send(join, token.strip(), json);
        Map<String, Object> joined = new LinkedHashMap<>();
        joined.put("name", join.name());
        joined.put("id", node.path("id").asText(null));
        joined.put("api", join.apiJoinUrl().resolve("/").toString());
        joined.put("url", join.url().toString());
        joined.put("joinedAt", Instant.now().toString());
        Files.createDirectories(record.getParent());
        AtomicFiles.write(record, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(joined));
        System.out.println("joined as node " + join.name() + " (" + node.path("state").asText("ready") + "), recorded in " + record);
    }

    private static JsonNode send(NodeJoin join, String token, ObjectMapper json) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(join.apiJoinUrl())
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(join.body(token))))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 201) {
            return json.readTree(response.body());
        }
        throw new IllegalStateException("the API refused the join (" + response.statusCode() + "): " + problem(response.body(), json));
    }

    /** A problem document's type and detail (RFC 9457), or the body as it came. */
    static String problem(String body, ObjectMapper json) {
        try {
            JsonNode problem = json.readTree(body);
            String type = problem.path("type").asText("");
            String detail = problem.path("detail").asText(problem.path("title").asText(""));
            return (type.isEmpty() ? "" : type.substring(type.lastIndexOf('/') + 1) + ": ") + detail;
        } catch (IOException notJson) {
            return body;
        }
    }
}
