package dev.berth.hostprotocol.rules;

/** A serving rule broke the grammar or a bound; the message names the file and the line (0: the whole file). */
public final class RuleException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;

    public RuleException(String file, int line, String rule) {
        super(file + (line > 0 ? " line " + line : "") + ": " + rule);
        this.file = file;
        this.line = line;
    }

    /** {@code _redirects} or {@code _headers}. */
    public String file() {
        return file;
    }

    /** The line, from 1; 0 for a rule about the whole file. */
    public int line() {
        return line;
    }
}
