package dev.berth.observability;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.PatternLayoutBase;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.logging.common.DropwizardLayout;
import io.dropwizard.logging.common.layout.DiscoverableLayoutFactory;
import java.util.TimeZone;

/**
 * The {@code text} log layout, so that one configuration line switches between text and JSON
 * ({@code layout: {type: ${BERTH_LOG_FORMAT:-text}}}; Dropwizard's own text layout has no type
 * name). It is Dropwizard's line with the request id after the logger when there is one:
 * {@code INFO  [2026-12-04 10:00:00,000] dev.berth.api.Foo: [3f2a...] message}.
 */
@JsonTypeName("text")
public final class TextLayoutFactory implements DiscoverableLayoutFactory<ILoggingEvent> {
    static final String PATTERN = "%-5p [%d{ISO8601,UTC}] %c: %replace([%X{" + RequestIds.MDC_KEY + "}] ){'^\\[\\] $', ''}%m%n%rEx";

    @Override
    public PatternLayoutBase<ILoggingEvent> build(LoggerContext context, TimeZone timeZone) {
        DropwizardLayout layout = new DropwizardLayout(context, timeZone);
        layout.setPattern(PATTERN);
        return layout;
    }
}
