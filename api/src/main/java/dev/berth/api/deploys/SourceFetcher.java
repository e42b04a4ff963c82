package dev.berth.api.deploys;

import java.io.IOException;
import java.io.OutputStream;

/** Fetches one commit of a Git repository and writes the published folder as a sanitized tar. */
public interface SourceFetcher {

    /**
     * @param repositoryUrl  https URL, checked against the repository URL policy before any connection
     * @param branch         the branch to fetch
     * @param commit         the pushed commit, or null for the branch's head
     * @param path           the folder to publish, or empty for the repository root
     * @param maxBytes       the most bytes the published content may take
     * @return the commit fetched and what was written
     * @throws ContentRefusedException when the URL, the repository or its content breaks a rule
     */
    Fetched fetch(String repositoryUrl, String branch, String commit, String path, long maxBytes, OutputStream tar)
            throws ContentRefusedException, IOException;

    /** The commit published and the counts of what was written. */
    record Fetched(String commit, int files, long bytes) {
    }
}
