package dev.berth.cli.commands;

import dev.berth.cli.Berth;
import dev.berth.cli.Io;
import dev.berth.cli.Session;
import dev.berth.cli.output.Printer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the API: its streams, its session and its printer. */
abstract class ApiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The streams and environment of this run. */
    Io io() {
        return ((Berth) spec.root().userObject()).io();
    }

    /** The logged-in session (see {@link Session#open}). */
    Session session() {
        return Session.open(io());
    }

    /** Refuses a {@code --limit} below 1 as a usage error (exit 2). */
    void requirePositiveLimit(int limit) {
        if (limit < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1");
        }
    }

    Printer printer(Session session) {
        return new Printer(io().out(), session.json());
    }
}
