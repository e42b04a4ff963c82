package dev.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.config.ConfigStore;
import dev.berth.cli.config.Credentials;
import dev.berth.sdk.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * A logged-in connection to the API: the SDK's client with the base URI and the bearer token on
 * every request. The token comes from {@code BERTH_TOKEN} if set, else from {@code berth login}'s
 * file; the address from {@code BERTH_API_URL} if set, else from that file.
 */
public final class Session {
    public static final String TOKEN_VARIABLE = "BERTH_TOKEN";
    public static final String API_VARIABLE = "BERTH_API_URL";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final String apiRoot;
    private final ApiClient client;

    private Session(String apiRoot, String token) {
        this.apiRoot = apiRoot;
        this.client = new ApiClient();
        client.setHttpClientBuilder(HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER));
        client.setConnectTimeout(CONNECT_TIMEOUT);
        client.setReadTimeout(READ_TIMEOUT);
        client.updateBaseUri(apiRoot + "/api/v1");
        String userAgent = "berth-cli/" + version();
        client.setRequestInterceptor(token == null ? request -> request.header("User-Agent", userAgent)
                : request -> request.header("Authorization", "Bearer " + token).header("User-Agent", userAgent));
    }

    /** A session with these credentials (used by {@code login} before they are saved). */
    public static Session of(String apiRoot, String token) {
        return new Session(normalizeApiRoot(apiRoot), token);
    }

    /** A session without credentials, for {@code POST /auth/login}. */
    public static Session anonymous(String apiRoot) {
        return new Session(normalizeApiRoot(apiRoot), null);
    }

    /**
     * The session of this environment.
     *
     * @throws CliException {@link ExitCodes#AUTH} when there is no token or no address
     */
    public static Session open(Io io) {
        ConfigStore store = ConfigStore.forEnvironment(io.env());
        Credentials saved = store.load().orElse(null);
        if (saved != null && store.readableByOthers()) {
            io.err().println("berth: warning: " + store.file() + " is readable by others; run chmod 600 on it");
        }
        String token = io.env(TOKEN_VARIABLE) != null ? io.env(TOKEN_VARIABLE) : saved == null ? null : saved.token();
        String api = io.env(API_VARIABLE) != null ? io.env(API_VARIABLE) : saved == null ? null : saved.api();
        if (token == null || api == null) {
            throw new CliException(ExitCodes.AUTH, "not logged in: run berth login --api URL (or set " + TOKEN_VARIABLE
                    + " and " + API_VARIABLE + ")");
        }
        return of(api, token);
    }

    /**
     * The API's root address, without a trailing slash or the {@code /api/v1} suffix someone may
     * have copied from the docs.
     *
     * @throws CliException {@link ExitCodes#USAGE} for anything but an absolute http(s) URL
     */
    public static String normalizeApiRoot(String address) {
        String trimmed = address.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.endsWith("/api/v1")) {
            trimmed = trimmed.substring(0, trimmed.length() - "/api/v1".length());
        }
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException malformed) {
            throw new CliException(ExitCodes.USAGE, "not a URL: " + address);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new CliException(ExitCodes.USAGE, "the API address must be an http:// or https:// URL without credentials, "
                    + "query or fragment, such as https://berth.example.com; got " + address);
        }
        return trimmed;
    }

    /** The SDK client: pass it to {@code new SitesApi(session.client())} and the like. */
    public ApiClient client() {
        return client;
    }

    /** The API's root address (e.g. {@code http://localhost:8080}). */
    public String apiRoot() {
        return apiRoot;
    }

    /** The JSON mapper the SDK reads and writes with. */
    public ObjectMapper json() {
        return client.getObjectMapper();
    }

    static String version() {
        String version = Session.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
