package dev.berth.cli.output;

/** How a listing is printed. */
public enum Format {
    /** Aligned columns for people. */
    text,
    /** The API's own JSON (an array for lists), for scripts and jq. */
    json
}
