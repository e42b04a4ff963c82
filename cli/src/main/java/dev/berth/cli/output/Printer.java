package dev.berth.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints results on standard output: aligned columns for people, JSON for scripts. */
public final class Printer {
    private final PrintWriter out;
    private final ObjectMapper json;

    /** @param json the SDK's mapper (it knows the generated models and java.time) */
    public Printer(PrintWriter out, ObjectMapper json) {
        this.out = out;
        this.json = json.copy().enable(SerializationFeature.INDENT_OUTPUT).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /** Any value as JSON (a list becomes an array). */
    public void json(Object value) {
        try {
            out.println(json.writeValueAsString(value));
        } catch (JsonProcessingException unwritable) {
            throw new IllegalStateException("cannot write JSON: " + unwritable.getMessage(), unwritable);
        }
        out.flush();
    }

    /** One JSON document on one line (for streams such as {@code logs -o json}). */
    public void jsonLine(Object value) {
        try {
            out.println(json.copy().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
        } catch (JsonProcessingException unwritable) {
            throw new IllegalStateException("cannot write JSON: " + unwritable.getMessage(), unwritable);
        }
        out.flush();
    }

    /** Rows under a header, each column as wide as its widest cell; null cells print as "-". */
    public void table(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] widths = new int[header.size()];
        for (List<String> row : all) {
            for (int column = 0; column < widths.length; column++) {
                widths[column] = Math.max(widths[column], cell(row, column).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < widths.length; column++) {
                String cell = cell(row, column);
                line.append(cell);
                if (column < widths.length - 1) {
                    line.append(" ".repeat(widths[column] - cell.length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** A line of text. */
    public void line(String text) {
        out.println(text);
        out.flush();
    }

    private static String cell(List<String> row, int column) {
        String value = column < row.size() ? row.get(column) : null;
        return value == null || value.isEmpty() ? "-" : value.replaceAll("\\p{Cntrl}", "?");
    }
}
