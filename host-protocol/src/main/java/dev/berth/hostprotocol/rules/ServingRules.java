package dev.berth.hostprotocol.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A release's serving rules: its {@code _redirects} and {@code _headers} files in Netlify's syntax,
 * parsed, bounded and compiled into the one field of the proxy's route record that carries them.
 * Both sides run the same parser: the API at deploy time (a bad rule fails the deploy with its
 * file and line), hostd again on the installed release before its record reaches the proxy.
 *
 * <p>The compiled form is data, never configuration: every value is percent-encoded over
 * {@code A-Z a-z 0-9 . _ / -}, so it holds no byte the route record's grammar does not allow
 * (no space, quote, {@code ;}, brace, backslash, control byte), and the proxy's Lua module decodes
 * and checks each value again before it matches paths with plain string comparison. Pure and
 * immutable; thread-safe.
 */
public final class ServingRules {
    /** Largest {@code _redirects} or {@code _headers} file. */
    public static final int MAX_FILE_BYTES = 64 * 1024;
    /** Longest line of either file, in bytes. */
    public static final int MAX_LINE_BYTES = 1024;
    /** Most redirect and rewrite rules in {@code _redirects}. */
    public static final int MAX_REDIRECTS = 1000;
    /** Most header lines in {@code _headers} (over every path block). */
    public static final int MAX_HEADERS = 1000;
    /** Longest compiled form; the bounds above keep every release below it. */
    public static final int MAX_COMPILED_CHARS = 256 * 1024;
    public static final String REDIRECTS_FILE = "_redirects";
    public static final String HEADERS_FILE = "_headers";
    /** The statuses of a redirect line: 200 and 404 rewrite, the others redirect. */
    public static final Set<Integer> STATUSES = Set.of(200, 301, 302, 307, 308, 404);

    /**
     * Response headers a rule may not set, lower case: hop-by-hop and framing headers (the proxy owns
     * the connection and the body's length and encoding), the platform's own (authentication, HSTS,
     * redirects), cookies (a site under the platform's domain could set one for its neighbours) and
     * anything nginx would read as an instruction.
     */
    public static final Set<String> FORBIDDEN_HEADERS = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization",
            "content-length", "content-encoding", "content-range", "host", "date", "server", "status", "location",
            "set-cookie", "set-cookie2", "www-authenticate", "authorization", "strict-transport-security", "alt-svc",
            "x-sendfile");
    /** Header name prefixes a rule may not use (nginx's own response instructions). */
    public static final String FORBIDDEN_HEADER_PREFIX = "x-accel-";

    private static final Pattern PLACEHOLDER = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern SEGMENT_PLACEHOLDER = Pattern.compile(":[A-Za-z_][A-Za-z0-9_]{0,31}");
    private static final Pattern LITERAL = Pattern.compile("([A-Za-z0-9._~!$&'()+,;=@-]|%[0-9A-Fa-f]{2})+");
    private static final Pattern URL_TEXT = Pattern.compile("([A-Za-z0-9._~!$&'()*+,;=:@/?#-]|%[0-9A-Fa-f]{2})*");
    private static final Pattern ABSOLUTE = Pattern.compile("(https?)://([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:[0-9]{1,5})?(/.*)?");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,63}");
    private static final String SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-";

    /** A path pattern: its segments ({@code :name} placeholders, literals, decoded) and whether it ends in a splat. */
    public record PathPattern(List<String> segments, boolean splat) {
        public PathPattern {
            segments = List.copyOf(segments);
        }

        boolean binds(String name) {
            return "splat".equals(name) ? splat : segments.contains(":" + name);
        }

        /** The compiled text: segments joined by {@code /}, literals percent-encoded, a final {@code *} for a splat. */
        String compile() {
            StringBuilder out = new StringBuilder();
            for (String segment : segments) {
                out.append('/').append(segment.startsWith(":") ? segment : encode(segment));
            }
            if (splat) {
                out.append("/*");
            }
            return out.length() == 0 ? "/" : out.toString();
        }
    }

    /** One line of {@code _redirects}: a redirect (301, 302, 307, 308) or a rewrite (200, 404), forced or not. */
    public record Redirect(int line, PathPattern from, String to, int status, boolean force) {
    }

    /** One header of a {@code _headers} block: set on responses to paths the pattern matches. */
    public record Header(int line, PathPattern path, String name, String value) {
    }

    private final List<Redirect> redirects;
    private final List<Header> headers;

    private ServingRules(List<Redirect> redirects, List<Header> headers) {
        this.redirects = List.copyOf(redirects);
        this.headers = List.copyOf(headers);
    }

    /** No rules at all. */
    public static final ServingRules NONE = new ServingRules(List.of(), List.of());

    public List<Redirect> redirects() {
        return redirects;
    }

    public List<Header> headers() {
        return headers;
    }

    public boolean isEmpty() {
        return redirects.isEmpty() && headers.isEmpty();
    }

    /**
     * Parses both files of a release; either may be null (absent).
     *
     * @throws RuleException naming the file and line of the first rule broken
     */
    public static ServingRules parse(byte[] redirectsFile, byte[] headersFile) throws RuleException {
        List<Redirect> redirects = redirectsFile == null ? List.of() : parseRedirects(redirectsFile);
        List<Header> headers = headersFile == null ? List.of() : parseHeaders(headersFile);
        ServingRules rules = new ServingRules(redirects, headers);
        if (rules.compile().length() > MAX_COMPILED_CHARS) {
            throw new RuleException(REDIRECTS_FILE, 0, "the rules take more than " + MAX_COMPILED_CHARS + " characters once compiled");
        }
        return rules;
    }

    private static List<String> lines(String file, byte[] bytes) throws RuleException {
        if (bytes.length > MAX_FILE_BYTES) {
            throw new RuleException(file, 0, "the file is larger than " + MAX_FILE_BYTES + " bytes");
        }
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i <= bytes.length; i++) {
            int b = i == bytes.length ? '\n' : bytes[i] & 0xff;
            if (b == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                continue;
            }
            if (b == '\n') {
                if (i < bytes.length || line.length() > 0) {
                    lines.add(line.toString());
                }
                line.setLength(0);
                continue;
            }
            if ((b < 0x20 && b != '\t') || b >= 0x7f) {
                throw new RuleException(file, lines.size() + 1, "only printable ASCII and tabs are allowed (byte 0x"
                        + String.format(Locale.ROOT, "%02x", b) + "); percent-encode other characters of a path");
            }
            if (line.length() >= MAX_LINE_BYTES) {
                throw new RuleException(file, lines.size() + 1, "the line is longer than " + MAX_LINE_BYTES + " bytes");
            }
            line.append((char) b);
        }
        return lines;
    }

    private static boolean ignored(String line) {
        String trimmed = line.strip();
        return trimmed.isEmpty() || trimmed.startsWith("#");
    }

    private static List<Redirect> parseRedirects(byte[] bytes) throws RuleException {
        List<String> lines = lines(REDIRECTS_FILE, bytes);
        List<Redirect> redirects = new ArrayList<>();
        for (int index = 0; index < lines.size(); index++) {
            int number = index + 1;
            String line = lines.get(index);
            if (ignored(line)) {
                continue;
            }
            int comment = line.indexOf(" #");
            String[] tokens = (comment >= 0 ? line.substring(0, comment) : line).strip().split("[ \t]+");
            if (tokens.length < 2) {
                throw new RuleException(REDIRECTS_FILE, number, "a rule is FROM TO [STATUS][!]");
            }
            if (tokens[1].contains("=") && !tokens[1].startsWith("/") && !tokens[1].startsWith("http")) {
                throw new RuleException(REDIRECTS_FILE, number, "query parameter matching is not supported");
            }
            if (tokens.length > 3) {
                throw new RuleException(REDIRECTS_FILE, number, "conditions (Country=, Language=, Role=, ...) are not supported;"
                        + " a rule is FROM TO [STATUS][!]");
            }
            PathPattern from = pattern(REDIRECTS_FILE, number, tokens[0]);
            int status = 301;
            boolean force = false;
            if (tokens.length == 3) {
                String text = tokens[2];
                if (text.endsWith("!")) {
                    force = true;
                    text = text.substring(0, text.length() - 1);
                }
                if (!text.matches("[0-9]{3}") || !STATUSES.contains(Integer.parseInt(text))) {
                    throw new RuleException(REDIRECTS_FILE, number, "the status must be one of 200, 301, 302, 307, 308, 404,"
                            + " optionally followed by ! to force it");
                }
                status = Integer.parseInt(text);
            }
            String to = target(number, tokens[1], from, status);
            if (redirects.size() == MAX_REDIRECTS) {
                throw new RuleException(REDIRECTS_FILE, number, "more than " + MAX_REDIRECTS + " rules");
            }
            redirects.add(new Redirect(number, from, to, status, force));
        }
        return redirects;
    }

    /** A path pattern: {@code /} then segments; {@code :name} placeholders as whole segments; {@code *} only as the last one. */
    private static PathPattern pattern(String file, int line, String text) throws RuleException {
        if (!text.startsWith("/")) {
            throw new RuleException(file, line, "a path must start with / (host names and full URLs are not supported)");
        }
        if (text.startsWith("//")) {
            throw new RuleException(file, line, "a path must not start with //");
        }
        String body = text.length() > 1 && text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        List<String> segments = new ArrayList<>();
        boolean splat = false;
        String[] parts = body.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (body.equals("/")) {
                break;
            }
            if (part.equals("*") && i == parts.length - 1) {
                splat = true;
            } else if (part.startsWith(":")) {
                if (!SEGMENT_PLACEHOLDER.matcher(part).matches() || part.equals(":splat")) {
                    throw new RuleException(file, line, "a placeholder is : and a name of letters, digits and _ (at most 32), not :splat");
                }
                if (segments.contains(part)) {
                    throw new RuleException(file, line, "placeholder " + part + " appears twice");
                }
                segments.add(part);
            } else if (part.isEmpty()) {
                throw new RuleException(file, line, "a path must not hold empty segments (//)");
            } else if (!LITERAL.matcher(part).matches()) {
                throw new RuleException(file, line, "a path segment holds A-Z a-z 0-9 . _ ~ ! $ & ' ( ) + , ; = @ - and %XX"
                        + " escapes only; * only as the whole last segment");
            } else {
                String decoded = decode(part);
                if (decoded == null) {
                    throw new RuleException(file, line, "a %XX escape must not stand for / or a control character");
                }
                if (decoded.equals(".") || decoded.equals("..")) {
                    throw new RuleException(file, line, "a path must not hold . or .. segments");
                }
                segments.add(decoded);
            }
        }
        return new PathPattern(segments, splat);
    }

    /** The decoded bytes of a literal segment as ISO-8859-1 characters (one per byte), or null for %2F or a control. */
    private static String decode(String part) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '%') {
                int value = Integer.parseInt(part.substring(i + 1, i + 3), 16);
                if (value < 0x20 || value == 0x7f || value == '/') {
                    return null;
                }
                out.append((char) value);
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The target of a rule: a path of the site, or for a redirect an http(s) URL; its placeholders bound by {@code from}. */
    private static String target(int line, String to, PathPattern from, int status) throws RuleException {
        if (!URL_TEXT.matcher(to).matches()) {
            throw new RuleException(REDIRECTS_FILE, line, "a target holds URL characters only (A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? #"
                    + " and %XX escapes; no backslash, quote or space)");
        }
        String placeholders;
        if (to.startsWith("/")) {
            if (to.startsWith("//")) {
                throw new RuleException(REDIRECTS_FILE, line, "a target must not start with // (a protocol-relative URL to another host)");
            }
            placeholders = to;
        } else {
            Matcher absolute = ABSOLUTE.matcher(to);
            if (!absolute.matches()) {
                throw new RuleException(REDIRECTS_FILE, line, "a target is a path starting with / or an http:// or https:// URL"
                        + " with a host name (no other scheme: javascript:, data:, ...)");
            }
            if (status == 200 || status == 404) {
                throw new RuleException(REDIRECTS_FILE, line, "a rewrite (200, 404) serves a path of the site; proxying to another host is not supported");
            }
            placeholders = absolute.group(5) == null ? "" : absolute.group(5);
        }
        Matcher placeholder = PLACEHOLDER.matcher(placeholders);
        while (placeholder.find()) {
            if (!from.binds(placeholder.group(1))) {
                throw new RuleException(REDIRECTS_FILE, line, "the target's :" + placeholder.group(1) + " is not bound by the path"
                        + ("splat".equals(placeholder.group(1)) ? " (it has no *)" : ""));
            }
        }
        return to;
    }

    private static List<Header> parseHeaders(byte[] bytes) throws RuleException {
        List<String> lines = lines(HEADERS_FILE, bytes);
        List<Header> headers = new ArrayList<>();
        PathPattern path = null;
        for (int index = 0; index < lines.size(); index++) {
            int number = index + 1;
            String line = lines.get(index);
            if (ignored(line)) {
                continue;
            }
            boolean indented = line.startsWith(" ") || line.startsWith("\t");
            if (!indented) {
                path = pattern(HEADERS_FILE, number, line.strip());
                continue;
            }
            if (path == null) {
                throw new RuleException(HEADERS_FILE, number, "a header line must follow a path line");
            }
            String text = line.strip();
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new RuleException(HEADERS_FILE, number, "a header line is NAME: VALUE");
            }
            String name = text.substring(0, colon).strip();
            String value = text.substring(colon + 1).strip();
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new RuleException(HEADERS_FILE, number, "a header name is 1 to 64 of A-Z a-z 0-9 -");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (FORBIDDEN_HEADERS.contains(lower) || lower.startsWith(FORBIDDEN_HEADER_PREFIX)) {
                throw new RuleException(HEADERS_FILE, number, "the header " + name + " cannot be set by a site");
            }
            if (value.isEmpty() || value.indexOf('\t') >= 0) {
                throw new RuleException(HEADERS_FILE, number, "a header value is 1 or more printable ASCII characters (no tab)");
            }
            if (headers.size() == MAX_HEADERS) {
                throw new RuleException(HEADERS_FILE, number, "more than " + MAX_HEADERS + " headers");
            }
            headers.add(new Header(number, path, name, value));
        }
        return headers;
    }

    /**
     * The route record's field: entries separated by {@code ,}, their fields by {@code ~};
     * {@code r~STATUS~FORCE~FROM~TO} and {@code h~PATH~NAME~VALUE}. Patterns are as
     * {@link PathPattern#compile()}; targets and values percent-encoded. Empty without rules.
     */
    public String compile() {
        List<String> entries = new ArrayList<>();
        for (Redirect redirect : redirects) {
            entries.add("r~" + redirect.status() + "~" + (redirect.force() ? "1" : "0") + "~" + redirect.from().compile()
                    + "~" + encode(redirect.to()));
        }
        for (Header header : headers) {
            entries.add("h~" + header.path().compile() + "~" + header.name() + "~" + encode(header.value()));
        }
        return String.join(",", entries);
    }

    /** Percent-encodes every byte (ISO-8859-1 characters stand for bytes) outside A-Z a-z 0-9 . _ / -. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            int value = b & 0xff;
            if (value < 0x80 && SAFE.indexOf(value) >= 0) {
                out.append((char) value);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", value));
            }
        }
        return out.toString();
    }

    /** Whether text has the shape of a compiled field (its alphabet and length); hostd checks it before a record leaves. */
    public static boolean isCompiledForm(String text) {
        return text.length() <= MAX_COMPILED_CHARS && text.matches("[A-Za-z0-9._/%:*~,-]*");
    }
}
