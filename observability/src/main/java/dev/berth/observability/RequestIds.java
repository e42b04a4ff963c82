package dev.berth.observability;

import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Gives every request an id: answered in the {@code X-Request-Id} header, and put in the logging
 * context (MDC key {@code requestId}) for as long as the request is served, so every line the
 * request logs carries it (both log layouts print it). Server errors quote the same id to the
 * client as their correlation id.
 *
 * <p>Only a caller that is trusted may choose the id (hostd trusts the API on its socket, so one
 * API request and the hostd calls it makes share an id); the API makes its own for every request,
 * so no client can write what it likes into the logs.
 */
public final class RequestIds implements Filter {
    /** The header that carries the id, both ways. */
    public static final String HEADER = "X-Request-Id";
    /** The logging-context key. */
    public static final String MDC_KEY = "requestId";
    private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final boolean trustCallerIds;

    /** @param trustCallerIds whether a well-formed {@code X-Request-Id} of the caller is kept */
    public RequestIds(boolean trustCallerIds) {
        this.trustCallerIds = trustCallerIds;
    }

    /** Puts the filter in front of everything else the application serves. */
    public static void install(Environment environment, boolean trustCallerIds) {
        environment.servlets().addFilter("request-ids", new RequestIds(trustCallerIds))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    }

    /** The id of the request this thread serves, or null outside a request. */
    public static String current() {
        return MDC.get(MDC_KEY);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        String offered = ((HttpServletRequest) request).getHeader(HEADER);
        String id = trustCallerIds && offered != null && ACCEPTABLE.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
        String outer = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        ((HttpServletResponse) response).setHeader(HEADER, id);
        try {
            chain.doFilter(request, response);
        } finally {
            if (outer == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, outer);
            }
        }
    }
}
