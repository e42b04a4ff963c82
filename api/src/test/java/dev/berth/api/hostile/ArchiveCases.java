package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.refused;

import dev.berth.api.deploys.archive.ArchiveCorpus;
import dev.berth.api.hostile.HostileCase.Allowed;
import dev.berth.api.hostile.HostileCase.Request;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Uploads that must not reach the host: every archive of the importer's hostile corpus sent
 * through {@code POST /sites/{name}/deploys}, plus what only HTTP can get wrong (media types,
 * sizes, other tenants' sites). A refused upload stays in the history as a failed deploy; the live
 * release, the host and the data directory are untouched.
 */
final class ArchiveCases {
    static final String AREA = "archives";

    private ArchiveCases() {
    }

    static List<HostileCase> cases(World world) throws IOException {
        List<HostileCase> cases = new ArrayList<>();
        String token = world.owner.accessToken();
        String deploys = "/sites/" + world.site + "/deploys";
        for (ArchiveCorpus.Archive archive : ArchiveCorpus.refused()) {
            cases.add(refused(AREA, "an upload of a " + archive.description(), Request.bytes("POST", deploys, token, archive.bytes(),
                    archive.format().mediaType()), 422, "content-refused").allowing(Allowed.FAILED_DEPLOY));
        }
        cases.add(refused(AREA, "an upload of a zip bomb (256 MiB of zeros in 4 entries) is refused for its ratio",
                Request.bytes("POST", deploys, token, ArchiveCorpus.zipBomb(4, 64L << 20), "application/zip"), 422, "content-refused")
                .allowing(Allowed.FAILED_DEPLOY));
        // Just over the limit (1 MiB of data plus the zip's headers), so that little is left unread when the server answers.
        cases.add(refused(AREA, "an upload over the tenant's maxUploadMib is refused while it is read",
                Request.bytes("POST", deploys, token, ArchiveCorpus.storedNoiseZip(1024 * 1024), "application/zip"), 413, "payload-too-large")
                .allowing(Allowed.FAILED_DEPLOY));
        cases.add(refused(AREA, "an empty upload is refused", Request.bytes("POST", deploys, token, new byte[0], "application/zip"), 422,
                "content-refused").allowing(Allowed.FAILED_DEPLOY));

        // An attacker's executable setup (an httpd.conf running *.sh, CGI scripts, .htaccess) aimed at someone else's site.
        cases.add(refused(AREA, "a zip of server configurations and CGI scripts sent to another tenant's site answers 404",
                Request.bytes("POST", "/sites/" + world.victimSite + "/deploys", token, ArchiveCorpus.inertContentZip(), "application/zip"),
                404, "not-found"));
        cases.add(refused(AREA, "a tar.gz of server configurations and CGI scripts sent to another tenant's site answers 404",
                Request.bytes("POST", "/sites/" + world.victimSite + "/deploys", token, ArchiveCorpus.inertContentTarGz(),
                        "application/gzip"), 404, "not-found"));
        cases.add(refused(AREA, "a zip of server configurations and CGI scripts sent as text/x-shellscript is refused",
                Request.bytes("POST", deploys, token, ArchiveCorpus.inertContentZip(), "text/x-shellscript"), 415, "unsupported-media-type"));

        byte[] honest = ArchiveCorpus.honestZip("index.html", "<h1>hostile</h1>");
        for (String type : new String[] {"text/plain", "application/json", "application/octet-stream", "multipart/form-data; boundary=x",
                "application/x-tar", "application/java-archive"}) {
            cases.add(refused(AREA, "an honest zip sent as " + type + " is refused", Request.bytes("POST", deploys, token, honest, type), 415,
                    "unsupported-media-type"));
        }
        cases.add(refused(AREA, "an honest zip sent without a content type is refused", Request.bytes("POST", deploys, token, honest, null), 415,
                "unsupported-media-type"));
        cases.add(refused(AREA, "an upload to another tenant's site answers 404",
                Request.bytes("POST", "/sites/" + world.victimSite + "/deploys", token, honest, "application/zip"), 404, "not-found"));
        cases.add(refused(AREA, "an upload to a site that does not exist answers 404",
                Request.bytes("POST", "/sites/no-such-site-" + UUID.randomUUID().toString().substring(0, 8) + "/deploys", token, honest,
                        "application/zip"), 404, "not-found"));
        cases.add(refused(AREA, "rolling back to a deploy that never went live is a conflict",
                Request.json("POST", deploys + "/" + world.failedDeploy + "/rollback", token, null), 409, "conflict"));
        cases.add(refused(AREA, "rolling back to a deploy that does not exist answers 404",
                Request.json("POST", deploys + "/" + UUID.randomUUID() + "/rollback", token, null), 404, "not-found"));
        cases.add(refused(AREA, "rolling back to a deploy id that is an encoded path is refused as malformed",
                Request.json("POST", deploys + "/..%2F..%2Fetc/rollback", token, null), 400, "validation"));
        cases.add(refused(AREA, "rolling back another tenant's site answers 404",
                Request.json("POST", "/sites/" + world.victimSite + "/deploys/" + world.failedDeploy + "/rollback", token, null), 404, "not-found"));
        return cases;
    }
}
