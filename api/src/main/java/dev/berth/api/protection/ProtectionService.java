package dev.berth.api.protection;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.IpAddresses;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.sites.Protection;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * Password and address protection of a tenant's sites. The proxy enforces it: the service checks
 * the request, turns the password into the verifier the proxy checks ({@link ProxyCredentials}),
 * stores it on the site's row and bumps the site's generation, so the host gets the new spec.
 * Tenant-scoped: another tenant's site is a 404. A refused request changes nothing. Thread-safe.
 */
public final class ProtectionService {
    static final int MAX_ALLOWED_ADDRESSES = 50;
    private static final Pattern USERNAME = Pattern.compile("[^:\\x00-\\x1f\\x7f]{1,64}");
    private static final Pattern PASSWORD = Pattern.compile("[^\\x00-\\x1f\\x7f]{10,128}");
    private static final Pattern PATH_PREFIX = Pattern.compile("/[A-Za-z0-9._~/-]{0,199}");

    private final Jdbi jdbi;
    private final SiteService sites;
    private final Clock clock;
    /** Told the id of a site whose spec changed, after the change is committed: it is pushed to the site's node. */
    private final java.util.function.Consumer<UUID> siteChanged;

    /** What a tenant asks for: {@code username} and {@code password} together, and/or addresses. */
    public record Request(String username, String password, String pathPrefix, List<String> allowedAddresses) {
        public Request {
            allowedAddresses = allowedAddresses == null ? List.of() : List.copyOf(allowedAddresses);
        }
    }

    public ProtectionService(Jdbi jdbi, SiteService sites, Clock clock, java.util.function.Consumer<UUID> siteChanged) {
        this.jdbi = jdbi;
        this.sites = sites;
        this.clock = clock;
        this.siteChanged = siteChanged;
    }

    /**
     * Replaces the site's protection with {@code request}.
     *
     * @return the site's protection as stored
     * @throws ProblemException validation (every broken rule listed), not-found, conflict (a site being deleted)
     */
    public Protection protect(Caller caller, String siteName, Request request) {
        Site site = sites.get(caller, siteName);
        List<ProblemException.FieldProblem> problems = new ArrayList<>();
        boolean password = request.username() != null || request.password() != null;
        if (password && (request.username() == null || request.password() == null)) {
            problems.add(new ProblemException.FieldProblem(request.username() == null ? "username" : "password",
                    "username and password go together"));
        }
        if (request.username() != null && !USERNAME.matcher(request.username()).matches()) {
            problems.add(new ProblemException.FieldProblem("username", "must be 1 to 64 characters without a colon or control characters"));
        }
        if (request.password() != null && !PASSWORD.matcher(request.password()).matches()) {
            problems.add(new ProblemException.FieldProblem("password", "must be 10 to 128 characters without control characters"));
        }
        if (!password && request.allowedAddresses().isEmpty()) {
            problems.add(new ProblemException.FieldProblem("allowedAddresses",
                    "a protection needs username and password, allowedAddresses or both"));
        }
        String prefix = pathPrefix(request.pathPrefix(), problems);
        List<String> allowed = allowedAddresses(request.allowedAddresses(), problems);
        if (!problems.isEmpty()) {
            throw new ProblemException(Problems.VALIDATION, problems.get(0).field() + ": " + problems.get(0).message(), problems, Map.of());
        }
        String credentials = password ? ProxyCredentials.of(request.username(), request.password()) : null;
        Instant now = clock.instant();
        String allowedColumn = allowed.isEmpty() ? null : String.join(",", allowed);
        int changed = jdbi.withExtension(ProtectionDao.class, dao -> dao.protect(site.id(), password ? request.username() : null,
                credentials, prefix, allowedColumn, now));
        if (changed == 0) {
            throw Problems.CONFLICT.with("the site is being deleted");
        }
        siteChanged.accept(site.id());
        return new Protection(password ? request.username() : null, credentials, prefix, allowed, now);
    }

    /** Opens the site to everybody; an open site stays as it is. */
    public void open(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        if (jdbi.withExtension(ProtectionDao.class, dao -> dao.open(site.id(), clock.instant())) > 0) {
            siteChanged.accept(site.id());
        }
    }

    /** The prefix as the proxy matches it (no trailing slash; {@code /} is the whole site, null). */
    private static String pathPrefix(String requested, List<ProblemException.FieldProblem> problems) {
        if (requested == null) {
            return null;
        }
        String prefix = requested.length() > 1 && requested.endsWith("/") ? requested.substring(0, requested.length() - 1) : requested;
        boolean dotSegment = false;
        for (String segment : prefix.split("/")) {
            dotSegment |= segment.equals(".") || segment.equals("..");
        }
        if (!PATH_PREFIX.matcher(prefix).matches() || prefix.contains("//") || dotSegment) {
            problems.add(new ProblemException.FieldProblem("pathPrefix",
                    "must be a path of up to 200 characters of A-Z a-z 0-9 . _ ~ / - starting with /, without // or . or .. segments"));
            return null;
        }
        return prefix.equals("/") ? null : prefix;
    }

    /** The blocks in canonical form (host bits cleared, RFC 5952 for IPv6), without duplicates. */
    static List<String> allowedAddresses(List<String> requested, List<ProblemException.FieldProblem> problems) {
        if (requested.size() > MAX_ALLOWED_ADDRESSES) {
            problems.add(new ProblemException.FieldProblem("allowedAddresses", "may hold at most " + MAX_ALLOWED_ADDRESSES + " blocks"));
            return List.of();
        }
        Set<String> blocks = new LinkedHashSet<>();
        for (String text : requested) {
            try {
                blocks.add(IpAddresses.Cidr.parse(text == null ? "" : text).canonical());
            } catch (IllegalArgumentException invalid) {
                problems.add(new ProblemException.FieldProblem("allowedAddresses",
                        "each entry must be an IPv4 or IPv6 address or CIDR block, such as 192.0.2.0/24 or 2001:db8::/32"));
                return List.of();
            }
        }
        return List.copyOf(blocks);
    }
}
