package dev.berth.api.platform;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The browser-facing security headers of every answer, the API's and the portal's.
 *
 * <ul>
 *   <li>{@code Content-Security-Policy}: the portal may load scripts, styles, images and fonts from
 *       its own origin only and talk to its own origin only; no inline script, no eval, no plugins,
 *       no {@code <base>}. API answers (JSON, problems) load nothing at all. Neither may be framed
 *       ({@code frame-ancestors 'none'}, and {@code X-Frame-Options: DENY} for older browsers).</li>
 *   <li>{@code X-Content-Type-Options: nosniff}: a JSON answer or an uploaded name echoed in one is
 *       never run as a script or styled as a page.</li>
 *   <li>{@code Referrer-Policy: no-referrer}: portal URLs (site names, ids) do not leak to the sites
 *       a tenant links to.</li>
 *   <li>{@code Cross-Origin-Opener-Policy: same-origin}: a page the portal opens cannot reach back
 *       into it.</li>
 * </ul>
 *
 * <p>Set before the request is handled, so that every answer carries them, errors included.
 */
public final class SecurityHeaders implements Filter {
    /** For the portal: its own origin only. React sets styles through the DOM, which CSP allows. */
    static final String PORTAL_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";
    /** For API answers: nothing to load, nothing to frame. */
    static final String API_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse answer = (HttpServletResponse) response;
        String path = http.getRequestURI().substring(http.getContextPath().length());
        boolean api = path.equals("/api") || path.startsWith("/api/");
        answer.setHeader("Content-Security-Policy", api ? API_POLICY : PORTAL_POLICY);
        answer.setHeader("X-Content-Type-Options", "nosniff");
        answer.setHeader("X-Frame-Options", "DENY");
        answer.setHeader("Referrer-Policy", "no-referrer");
        answer.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        chain.doFilter(request, response);
    }
}
