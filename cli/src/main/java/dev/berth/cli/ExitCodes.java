package dev.berth.cli;

/**
 * The exit status of every {@code berth} command (documented in cli/README.md): scripts branch on
 * these, so each number keeps its meaning.
 */
public final class ExitCodes {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** The work was accepted but ended badly: an operation or deploy failed, or a wait timed out. */
    public static final int FAILED = 1;
    /** The command line was wrong (unknown command or option, missing argument). */
    public static final int USAGE = 2;
    /** Not logged in, or the API refused the credentials or the permission (401, 403). */
    public static final int AUTH = 3;
    /** No such site, deploy, token or tenant (404). */
    public static final int NOT_FOUND = 4;
    /** The request conflicts with the current state or a quota (409, 412, 422 quota-exceeded, 429). */
    public static final int CONFLICT = 5;
    /** The API refused the request itself: invalid input, archive or size (400, 413, 415, 422). */
    public static final int REFUSED = 6;
    /** The API could not be reached or failed (5xx, connection refused, time-out). */
    public static final int UNAVAILABLE = 7;

    /** The problem type URI of a refused quota ({@code 422}), which is a conflict rather than bad input. */
    static final String QUOTA_PROBLEM_SUFFIX = "/quota-exceeded";

    private ExitCodes() {
    }

    /**
     * The exit status for an HTTP error answer.
     *
     * @param status      the HTTP status (0 when no answer came)
     * @param problemType the problem's {@code type} URI, or null
     */
    public static int forHttpStatus(int status, String problemType) {
        if (status == 401 || status == 403) {
            return AUTH;
        }
        if (status == 404 || status == 410) {
            return NOT_FOUND;
        }
        if (status == 409 || status == 412 || status == 429) {
            return CONFLICT;
        }
        if (status == 422 && problemType != null && problemType.endsWith(QUOTA_PROBLEM_SUFFIX)) {
            return CONFLICT;
        }
        if (status >= 400 && status < 500) {
            return REFUSED;
        }
        return UNAVAILABLE;
    }
}
