package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.util.List;

/**
 * An RFC 9457 problem as hostd answers it ({@code application/problem+json}).
 *
 * @param type     one of {@link ProblemType}'s URIs, or {@link ProblemType#ofHttpStatus}
 * @param problems every broken rule of a refused spec (absent when there is none)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Problem(URI type, String title, int status, String detail,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> problems) {
    /** The media type of a problem. */
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** A problem of a known type. */
    public static Problem of(ProblemType type, int status, String title, String detail, List<String> problems) {
        return new Problem(type.uri(), title, status, detail, problems);
    }

    /** Whether this problem is of {@code type}. */
    public boolean is(ProblemType type) {
        return type.uri().equals(this.type);
    }
}
