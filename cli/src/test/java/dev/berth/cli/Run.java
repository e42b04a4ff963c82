package dev.berth.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** One run of the command line in a test: its environment and input in, its status and streams out. */
public final class Run {
    public final int exitCode;
    public final String out;
    public final String err;

    private Run(int exitCode, String out, String err) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
    }

    /** Runs {@code berth ARGS} with this configuration directory, these variables and this standard input. */
    public static Run berth(Path configHome, Map<String, String> variables, String stdin, Io.Sleeper sleeper, String... args) {
        Map<String, String> env = new HashMap<>(variables);
        env.put("XDG_CONFIG_HOME", configHome.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Io io = new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out, true),
                new PrintWriter(err, true), env, null, sleeper);
        int exitCode = Berth.run(io, args);
        // A command stopped by an interrupted wait leaves the flag set, as it should; this thread runs the next test.
        Thread.interrupted();
        return new Run(exitCode, out.toString(), err.toString());
    }

    public static Run berth(Path configHome, Map<String, String> variables, String... args) {
        return berth(configHome, variables, "", duration -> { }, args);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
}
