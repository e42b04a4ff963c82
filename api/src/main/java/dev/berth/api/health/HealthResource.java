package dev.berth.api.health;

import dev.berth.api.generated.model.Health;
import dev.berth.api.generated.resources.HealthApi;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Public liveness and the contract itself. */
public final class HealthResource implements HealthApi {
    private final String version;
    private final byte[] spec;

    public HealthResource(String version) {
        this.version = version;
        try (InputStream in = HealthResource.class.getResourceAsStream("/berth/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the classpath");
            }
            this.spec = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Response getHealth() {
        Health health = new Health(Health.StatusEnum.OK);
        health.setVersion(version);
        return Response.ok(health).build();
    }

    @Override
    public Response getOpenApiSpec() {
        CacheControl cache = new CacheControl();
        cache.setMaxAge(300);
        return Response.ok(spec, "application/yaml").cacheControl(cache).build();
    }
}
