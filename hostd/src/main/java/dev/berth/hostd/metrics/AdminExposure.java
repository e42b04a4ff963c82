package dev.berth.hostd.metrics;

import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.EnumSet;
import java.util.Set;

/**
 * What hostd's admin context answers: {@code GET} (and {@code HEAD}) of {@code /prometheus},
 * {@code /ping} and {@code /healthcheck}, nothing else. hostd runs as root and its admin connector
 * listens on loopback for the Prometheus server, so any local user reaches it: Dropwizard's
 * tasks (log levels, garbage collection), thread dumps and the JSON metrics dump answer 404.
 */
public final class AdminExposure {
    static final Set<String> READABLE = Set.of("/prometheus", "/ping", "/healthcheck");

    private AdminExposure() {
    }

    /** Installs the filter in front of the admin servlet. */
    public static void restrict(Environment environment) {
        environment.getAdminContext().addFilter((Filter) (request, response, chain) -> {
            HttpServletRequest http = (HttpServletRequest) request;
            String path = http.getRequestURI().substring(http.getContextPath().length());
            boolean read = "GET".equals(http.getMethod()) || "HEAD".equals(http.getMethod());
            if (read && READABLE.contains(path)) {
                chain.doFilter(request, response);
            } else {
                ((HttpServletResponse) response).sendError(HttpServletResponse.SC_NOT_FOUND);
            }
        }, "/*", EnumSet.of(DispatcherType.REQUEST));
    }
}
