package dev.berth.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * What a command may touch of the world it runs in: its standard streams, its environment and
 * whether a person sits at a terminal. Tests build one with their own streams and environment.
 *
 * @param in          standard input
 * @param out         standard output (results: tables, JSON, secrets asked for)
 * @param err         standard error (progress, messages, problems)
 * @param env         the environment ({@code BERTH_TOKEN}, {@code BERTH_API_URL}, {@code XDG_CONFIG_HOME}, {@code HOME})
 * @param console     the terminal, or null when input or output is redirected
 * @param sleeper     how the command waits between polls
 */
public record Io(InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, Console console, Sleeper sleeper) {

    /** Waits between two polls; tests replace it so that a follow loop ends. */
    @FunctionalInterface
    public interface Sleeper {
        /** @throws InterruptedException when the command is being stopped */
        void sleep(Duration duration) throws InterruptedException;
    }

    /** The process's own streams, environment and terminal. */
    public static Io system() {
        return new Io(System.in, new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true), System.getenv(), System.console(),
                duration -> Thread.sleep(duration.toMillis()));
    }

    /** Whether a person is at a terminal (both input and output): prompts and progress bars are for them only. */
    public boolean interactive() {
        return console != null;
    }

    /** An environment variable, or null when unset or empty. */
    public String env(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * A secret (password, token): typed at a hidden prompt when a person is at a terminal, else the
     * first line of standard input; never a command-line argument. Null when none was given.
     */
    public String secret(String prompt, Object... arguments) {
        if (interactive()) {
            char[] typed = console.readPassword(prompt, arguments);
            return typed == null ? null : new String(typed);
        }
        return readLine();
    }

    /** The first line of standard input, trimmed; null at end of input. */
    public String readLine() {
        try {
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        } catch (java.io.IOException unreadable) {
            throw new CliException(ExitCodes.USAGE, "cannot read standard input: " + unreadable.getMessage());
        }
    }
}
