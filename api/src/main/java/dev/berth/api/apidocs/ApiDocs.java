package dev.berth.api.apidocs;

import io.dropwizard.assets.AssetsBundle;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.EnumSet;

/**
 * The interactive API reference at {@code /api/docs}: Swagger UI (module {@code apidocs}, bundled
 * from the npm registry at build time, nothing fetched from elsewhere at run time) rendering the
 * contract the API serves at {@code /api/v1/openapi.yaml}.
 *
 * <p>The page is a page, not an API answer: it loads its own script and stylesheet and calls this
 * origin ("Try it out"), under a policy that forbids inline script, eval, plugins, framing and
 * every other origin.
 */
public final class ApiDocs {
    /** The path of the page; a contract (README, docs/api.md). */
    public static final String PATH = "/api/docs";
    /** What the page may load: its own origin's scripts, styles and images, and calls to this API. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private ApiDocs() {
    }

    /** Serves the page's files (classpath {@code /api-docs}) at {@link #PATH}. */
    public static void addTo(Bootstrap<?> bootstrap) {
        bootstrap.addBundle(new AssetsBundle("/api-docs", PATH, "index.html", "api-docs"));
    }

    /**
     * Gives the page its Content-Security-Policy, and sends {@code /api/docs} to {@code /api/docs/}
     * so that the page's relative links resolve inside it.
     */
    public static void protect(Environment environment) {
        environment.servlets().addFilter("api-docs-policy", (Filter) (request, response, chain) -> {
            HttpServletRequest in = (HttpServletRequest) request;
            HttpServletResponse http = (HttpServletResponse) response;
            http.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            http.setHeader("X-Content-Type-Options", "nosniff");
            http.setHeader("Referrer-Policy", "no-referrer");
            if (in.getRequestURI().equals(in.getContextPath() + PATH)) {
                http.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
                http.setHeader("Location", in.getContextPath() + PATH + "/");
                return;
            }
            chain.doFilter(request, response);
        }).addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, PATH, PATH + "/*");
    }
}
