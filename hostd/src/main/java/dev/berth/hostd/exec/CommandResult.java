package dev.berth.hostd.exec;

import java.util.List;

/** Exit code and captured output of one finished command. */
public record CommandResult(int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }

    /** Returns this result if the command succeeded, else throws with its stderr. */
    public CommandResult orThrow(List<String> argv) throws CommandException {
        if (!ok()) {
            throw new CommandException(String.join(" ", argv) + " exited with " + exitCode + ": "
                    + firstLines(stderr.isBlank() ? stdout : stderr));
        }
        return this;
    }

    private static String firstLines(String text) {
        String trimmed = text.strip();
        return trimmed.length() > 500 ? trimmed.substring(0, 500) + "..." : trimmed;
    }
}
