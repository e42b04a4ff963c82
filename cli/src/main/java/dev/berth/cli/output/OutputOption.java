package dev.berth.cli.output;

import picocli.CommandLine.Option;

/** {@code -o, --output text|json}: mixed into every command that prints a listing or an object. */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json")
    public Format format = Format.text;

    public boolean json() {
        return format == Format.json;
    }
}
