package dev.berth.api.platform;

import io.dropwizard.jersey.validation.JerseyParameterNameProvider;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dropwizard's parameter names ("query param limit") for validation messages, computed once per
 * method. Hibernate Validator asks for them on every constraint it checks, and Dropwizard's provider
 * reads the method's parameter annotations each time, which re-parses them by reflection: on
 * {@code GET /sites} that was about a twentieth of the request's CPU. Thread-safe.
 */
public final class CachingParameterNameProvider extends JerseyParameterNameProvider {
    private final Map<Method, List<String>> names = new ConcurrentHashMap<>();

    @Override
    public List<String> getParameterNames(Method method) {
        return names.computeIfAbsent(method, key -> List.copyOf(super.getParameterNames(key)));
    }
}
