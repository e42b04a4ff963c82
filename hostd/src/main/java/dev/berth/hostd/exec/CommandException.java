package dev.berth.hostd.exec;

/** A host command could not be run, timed out, or failed. */
public class CommandException extends Exception {
    public CommandException(String message) {
        super(message);
    }

    public CommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
