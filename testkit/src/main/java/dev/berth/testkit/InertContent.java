package dev.berth.testkit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A site's worth of files that a web server which runs anything would run: per-directory server
 * configurations (busybox httpd's {@code httpd.conf} mapping {@code *.sh} to {@code /bin/sh}, the
 * way a tenant got {@code uid=1000(site)} and a listing of {@code /} out of a busybox site;
 * Apache's {@code .htaccess} and {@code .htpasswd}; a lighttpd configuration; PHP's
 * {@code .user.ini}), scripts with shebangs, a {@code cgi-bin/}, SSI and PHP pages, and files named
 * like interpreters and like the server itself. A static server answers each with its exact bytes
 * (or refuses it); the archive corpus publishes them as plain files and the host tests deploy them
 * to a real site and compare every answer byte for byte.
 */
public final class InertContent {
    /** What the exploit prints when it runs; never part of any file below. */
    public static final List<String> PROGRAM_OUTPUT = List.of("uid=", "gid=", "groups=", "root:x:0:0");

    /** One file of the release: its path and its exact bytes. */
    public record File(String path, byte[] bytes) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static final String SCRIPT = "#!/bin/sh\necho Content-Type: text/plain\necho\nid\nls /\n";

    private InertContent() {
    }

    /** Every file, in the order an archive holds them (the configurations before what they would run). */
    public static List<File> files() {
        return List.of(
                file("index.html", "<!DOCTYPE html><title>inert</title><p>nothing here runs</p>\n"),
                // busybox httpd reads httpd.conf in every directory of a request path; *.ext:interpreter runs the file.
                file("httpd.conf", "*.sh:/bin/sh\n*.cgi:/bin/sh\n*.pl:/usr/bin/perl\n*.php:/usr/bin/php-cgi\nA:*\n"),
                file("x.sh", SCRIPT),
                file("run.cgi", SCRIPT),
                file(".htaccess", "Options +ExecCGI +Includes +Indexes\nAddHandler cgi-script .cgi .sh .pl .py\n"
                        + "AddOutputFilter INCLUDES .html\nSetHandler cgi-script\nAuthUserFile .htpasswd\n"),
                file(".htpasswd", "admin:$apr1$berth$Zq0x1Vq9pWf2mDLiMvBcQ1\n"),
                file("lighttpd.conf", "server.modules += ( \"mod_cgi\", \"mod_ssi\", \"mod_dirlisting\" )\n"
                        + "cgi.assign = ( \".sh\" => \"/bin/sh\", \".cgi\" => \"\" )\nssi.extension = ( \".html\" )\n"
                        + "dir-listing.activate = \"enable\"\n"),
                file("docs/lighttpd.conf", "include_shell \"/bin/sh -c id\"\n"),
                file(".user.ini", "auto_prepend_file=x.sh\n"),
                file("cgi-bin/index.cgi", SCRIPT),
                file("cgi-bin/x.cgi", SCRIPT),
                file("cgi-bin/x.pl", "#!/usr/bin/perl\nprint \"Content-Type: text/plain\\n\\n\";\nprint `id`;\n"),
                file("cgi-bin/x.py", "#!/usr/bin/env python3\nimport os\nprint('Content-Type: text/plain\\n')\nos.system('id')\n"),
                file("cgi-bin/httpd.conf", "*.cgi:/bin/sh\n"),
                file("page.shtml", "<!--#exec cmd=\"id\" --><!--#include virtual=\"/etc/passwd\" -->\n"),
                file("x.php", "<?php system('id'); ?>\n"),
                file("sh", SCRIPT),
                file("bin/sh", SCRIPT),
                file("bin/busybox", SCRIPT),
                file("usr/bin/perl", SCRIPT),
                file("usr/bin/php-cgi", SCRIPT),
                file("usr/sbin/lighttpd", SCRIPT),
                file("python3", SCRIPT));
    }

    /** Directories of the release without an index page: a server that lists or runs index.cgi would show it here. */
    public static List<String> directories() {
        return List.of("cgi-bin/", "bin/", "usr/bin/", "docs/");
    }

    private static File file(String path, String text) {
        return new File(path, text.getBytes(StandardCharsets.UTF_8));
    }
}
