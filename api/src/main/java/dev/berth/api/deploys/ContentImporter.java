package dev.berth.api.deploys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Turns an untrusted upload (zip or tar.gz) into a sanitized tar stream: regular files and
 * directories only, every path inside the site. The privileged host only ever receives such tars.
 */
public interface ContentImporter {

    /**
     * @param upload     the body as it arrives; read once, never buffered whole
     * @param mediaType  application/zip or application/gzip
     * @param maxBytes   the most uncompressed bytes the tenant may store
     * @param tar        where the sanitized tar is written
     * @return what was imported
     * @throws ContentRefusedException when the archive breaks a rule; nothing usable was written
     */
    Imported importArchive(InputStream upload, String mediaType, long maxBytes, OutputStream tar)
            throws ContentRefusedException, IOException;

    /** Counts of an import. */
    record Imported(int files, long bytes) {
    }
}
