package dev.berth.hostd.runtime;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The web server inside every site container: Debian's lighttpd, started with a configuration
 * hostd writes into the shared root file system and that loads nothing but {@code mod_indexfile}
 * and {@code mod_staticfile}. lighttpd reads no file it finds in the document root as
 * configuration (it has no {@code .htaccess} or per-directory files at all); CGI, SSI, FastCGI,
 * proxying, directory listings and WebDAV are modules that are neither loaded nor present in the
 * root file system. A file is served as its bytes, whatever its name or content. Pure.
 */
public final class SiteServer {
    /** Where the server binary sits inside the container (and its only executable). */
    public static final String BINARY = "/usr/sbin/lighttpd";
    /** The configuration file inside the container, written by {@link RootFs}. */
    public static final String CONFIG = "/etc/lighttpd.conf";
    /** Open files of the server: lighttpd sizes its connection table from it, the container's RLIMIT_NOFILE is the same. */
    public static final int MAX_FDS = 1024;
    /** The listen backlog of each listening socket (the kernel caps it at the netns's somaxconn, 4096). */
    public static final int LISTEN_BACKLOG = 1024;

    /**
     * File name extensions and their media types. A fixed list (the web's formats), so that a site
     * serves the same headers on every host whatever its {@code /etc/mime.types}; any other file
     * is {@code application/octet-stream}, which a browser downloads instead of rendering.
     */
    static final Map<String, String> MEDIA_TYPES = Map.ofEntries(
            Map.entry("html", "text/html"), Map.entry("htm", "text/html"), Map.entry("xhtml", "application/xhtml+xml"),
            Map.entry("css", "text/css"), Map.entry("js", "text/javascript"), Map.entry("mjs", "text/javascript"),
            Map.entry("json", "application/json"), Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"), Map.entry("xml", "application/xml"),
            Map.entry("rss", "application/rss+xml"), Map.entry("atom", "application/atom+xml"),
            Map.entry("txt", "text/plain"), Map.entry("md", "text/markdown"), Map.entry("csv", "text/csv"),
            Map.entry("vtt", "text/vtt"), Map.entry("ics", "text/calendar"), Map.entry("wasm", "application/wasm"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("apng", "image/apng"),
            Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"), Map.entry("avif", "image/avif"), Map.entry("ico", "image/x-icon"),
            Map.entry("bmp", "image/bmp"), Map.entry("tif", "image/tiff"), Map.entry("tiff", "image/tiff"),
            Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"), Map.entry("ttf", "font/ttf"),
            Map.entry("otf", "font/otf"), Map.entry("eot", "application/vnd.ms-fontobject"),
            Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"),
            Map.entry("tar", "application/x-tar"), Map.entry("mp3", "audio/mpeg"), Map.entry("ogg", "audio/ogg"),
            Map.entry("oga", "audio/ogg"), Map.entry("opus", "audio/ogg"), Map.entry("wav", "audio/wav"),
            Map.entry("flac", "audio/flac"), Map.entry("m4a", "audio/mp4"), Map.entry("aac", "audio/aac"),
            Map.entry("mp4", "video/mp4"), Map.entry("m4v", "video/mp4"), Map.entry("webm", "video/webm"),
            Map.entry("ogv", "video/ogg"), Map.entry("mov", "video/quicktime"));

    /** Non-text media types above whose bytes still compress well (markup, data, uncompressed fonts and images). */
    private static final Set<String> COMPRESSIBLE_BINARY = Set.of("application/xhtml+xml", "application/json",
            "application/manifest+json", "application/xml", "application/rss+xml", "application/atom+xml",
            "application/wasm", "image/svg+xml", "image/x-icon", "image/bmp", "font/ttf", "font/otf",
            "application/vnd.ms-fontobject");

    /**
     * The media types above that the proxy compresses: text, and the formats of
     * {@link #COMPRESSIBLE_BINARY}; never the already compressed ones (images, fonts in WOFF,
     * audio, video, archives). {@code text/html}, which nginx always compresses, is left out.
     */
    public static final List<String> COMPRESSIBLE_TYPES = MEDIA_TYPES.values().stream()
            .filter(type -> !type.equals("text/html") && (type.startsWith("text/") || COMPRESSIBLE_BINARY.contains(type)))
            .distinct().sorted().toList();

    /**
     * The file name extensions whose media type is compressed ({@link #COMPRESSIBLE_TYPES} and
     * HTML), with that type: the files the proxy serves compressed copies of.
     */
    public static final Map<String, String> COMPRESSIBLE_EXTENSIONS = MEDIA_TYPES.entrySet().stream()
            .filter(entry -> entry.getValue().equals("text/html") || COMPRESSIBLE_TYPES.contains(entry.getValue()))
            .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

    private SiteServer() {
    }

    /** The container's process: lighttpd in the foreground with hostd's configuration. */
    static List<String> argv() {
        return List.of(BINARY, "-D", "-f", CONFIG);
    }

    /** The whole configuration file. */
    static String config() {
        StringBuilder out = new StringBuilder();
        out.append("# Written by berth-hostd; every site container reads it. Static files only.\n");
        // Only the modules named here: no default set (mod_dirlisting and others) is loaded behind our back.
        out.append("server.compat-module-load = \"disable\"\n");
        out.append("server.modules = ( \"mod_indexfile\", \"mod_staticfile\" )\n");
        out.append("server.document-root = \"/srv\"\n");
        out.append("server.bind = \"0.0.0.0\"\n");
        out.append("server.port = 80\n");
        out.append("$SERVER[\"socket\"] == \"[::]:80\" { }\n");
        out.append("server.listen-backlog = ").append(LISTEN_BACKLOG).append('\n');
        out.append("server.max-fds = ").append(MAX_FDS).append('\n');
        // Only GET and HEAD are served; any request body larger than 1 KiB is refused (413) before it is read.
        out.append("server.max-request-size = 1\n");
        out.append("server.upload-dirs = ( \"/tmp\" )\n");
        // Releases hold no links (the API and hostd refuse them); the one link of the site directory
        // is hostd's own `current`. Following links needs no lstat(2) of every path component per
        // request, which halved the throughput of a 250-millicore site (hostd/README.md).
        out.append("server.follow-symlink = \"enable\"\n");
        out.append("index-file.names = ( \"index.html\", \"index.htm\" )\n");
        // ETags from modification time and size only: the same release answers the same ETag on
        // every node (an inode number differs per disk), so a revalidation after a move is a 304.
        out.append("etag.use-inode = \"disable\"\n");
        // A file's extended attributes never choose its media type.
        out.append("mimetype.use-xattr = \"disable\"\n");
        out.append("mimetype.assign = (\n");
        MEDIA_TYPES.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> out.append("  \".").append(entry.getKey()).append("\" => \"").append(entry.getValue()).append("\",\n"));
        out.append("  \"\" => \"application/octet-stream\"\n)\n");
        return out.toString();
    }
}
