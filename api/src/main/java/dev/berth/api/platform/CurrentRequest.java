package dev.berth.api.platform;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;

/**
 * Makes the servlet request of the current thread available to endpoints and filters.
 *
 * <p>Jersey does not inject {@code @Context} fields into resource instances that are registered as
 * objects (as Berth's composition root does), so request-scoped facts (the caller, the client
 * address, audit details) travel as attributes of the servlet request, which this filter exposes
 * for exactly the duration of the request.
 */
public final class CurrentRequest implements Filter {
    private static final ThreadLocal<HttpServletRequest> CURRENT = new ThreadLocal<>();
    private static final String CLIENT_ADDRESS = "berth.clientAddress";

    private final TrustedProxies proxies;

    /** @param proxies which peers may tell the client's address in {@code X-Forwarded-For} */
    public CurrentRequest(TrustedProxies proxies) {
        this.proxies = proxies;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest previous = CURRENT.get();
        HttpServletRequest http = (HttpServletRequest) request;
        http.setAttribute(CLIENT_ADDRESS, proxies.clientAddress(http));
        CURRENT.set(http);
        try {
            chain.doFilter(request, response);
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** The request being served on this thread. */
    public static HttpServletRequest get() {
        HttpServletRequest request = CURRENT.get();
        if (request == null) {
            throw new IllegalStateException("no request is being served on this thread");
        }
        return request;
    }

    /** The client's address: the connection's peer, or what a trusted proxy says in X-Forwarded-For (see {@link TrustedProxies}). */
    public static String clientAddress() {
        HttpServletRequest request = CURRENT.get();
        if (request == null) {
            return null;
        }
        return request.getAttribute(CLIENT_ADDRESS) instanceof String address ? address : request.getRemoteAddr();
    }

    /** Sets an attribute of the current request. */
    public static void set(String name, Object value) {
        get().setAttribute(name, value);
    }
}
