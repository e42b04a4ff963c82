package dev.berth.hostd.site;

import java.util.List;

/** A spec or request was refused before anything on the host was touched. */
public class InvalidSpecException extends Exception {
    private final List<String> problems;

    public InvalidSpecException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidSpecException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
