package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.field;
import static dev.berth.api.hostile.HostileCase.quote;
import static dev.berth.api.hostile.HostileCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.deploys.git.HostileRepositoryUrls;
import dev.berth.api.hostile.HostileCase.Request;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Git sources that must be refused before Berth connects anywhere: the repository URL policy's
 * hostile corpus, sent through {@code PUT /sites/{name}/git} to a site that already deploys from
 * Git (its source and secret must survive), plus hostile branches and folders. Host names resolve
 * only through the test's fake DNS, which records every look-up: a refused URL may have had its
 * own host looked up (that is how private addresses are found) but nothing else; and a trap
 * server on loopback proves that no connection was opened.
 */
final class RepositoryUrlCases {
    static final String AREA = "repository URLs";
    private static final String PUBLIC_REPOSITORY = "https://github.com/octo/site.git";

    private RepositoryUrlCases() {
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String token = world.owner.accessToken();
        String git = "/sites/" + world.gitSite + "/git";
        List<String> urls = new ArrayList<>(HostileRepositoryUrls.all());
        urls.add("HTTPS://127.0.0.1:" + HostileRepositoryUrls.TRAP + "/repo.git");
        urls.add("https://127.0.0.1:" + HostileRepositoryUrls.TRAP + "@github.com/octo/site.git");
        urls.add("https://github.com:" + HostileRepositoryUrls.TRAP + "#@127.0.0.1/repo.git");
        urls.add(" " + PUBLIC_REPOSITORY);
        urls.add(PUBLIC_REPOSITORY + "\n");
        urls.add("https://g\u00efthub.com/octo/site.git");
        urls.add("https://github.com./octo/site.git");
        urls.add("https://github.com/" + "a".repeat(3000) + ".git");
        for (String hostile : urls) {
            String url = hostile.replace(HostileRepositoryUrls.TRAP, Integer.toString(world.trap.port()));
            AtomicInteger lookupsBefore = new AtomicInteger();
            cases.add(refused(AREA, "the repository URL " + quote(hostile) + " is refused before any connection", null, 400, "validation")
                    .preparedBy(() -> {
                        lookupsBefore.set(world.app.repositoryResolver().lookups.size());
                        return Request.json("PUT", git, token, "{\"repositoryUrl\":" + quote(url) + ",\"branch\":\"main\"}");
                    })
                    .checking(answer -> {
                        field("repositoryUrl").verify(answer);
                        assertThat(world.trap.connections()).as("connections to the trap").isZero();
                        List<String> lookups = world.app.repositoryResolver().lookups;
                        List<String> made;
                        synchronized (lookups) {
                            made = List.copyOf(lookups.subList(lookupsBefore.get(), lookups.size()));
                        }
                        assertThat(made).as("DNS look-ups for " + url).hasSizeLessThanOrEqualTo(1);
                        made.forEach(host -> assertThat(host).isEqualTo(hostOf(url)));
                    }));
        }
        cases.add(refused(AREA, "a Git source without a repository URL is refused",
                Request.json("PUT", git, token, "{\"branch\":\"main\"}"), 400, "validation").checking(field("repositoryUrl")));
        cases.add(refused(AREA, "a repository URL that is a number is refused",
                Request.json("PUT", git, token, "{\"repositoryUrl\":42,\"branch\":\"main\"}"), 400, "validation").checking(field("repositoryUrl")));

        String[][] branches = {
                {"--upload-pack=touch /tmp/pwned", "an option injection"}, {"../main", "a parent segment"}, {"main\n", "a newline"},
                {"", "nothing"}, {"a..b", "a double dot"}, {"/main", "a leading slash"}, {"main/", "a trailing slash"},
                {"main;id", "a shell separator"}, {"main branch", "a space"}, {"b".repeat(300), "300 characters"}, {"$(id)", "a substitution"},
        };
        for (String[] branch : branches) {
            cases.add(refused(AREA, "a branch with " + branch[1] + " is refused",
                    Request.json("PUT", git, token, "{\"repositoryUrl\":\"" + PUBLIC_REPOSITORY + "\",\"branch\":" + quote(branch[0]) + "}"),
                    400, "validation").checking(field("branch")));
        }
        String[][] folders = {
                {"../..", "parent segments"}, {"public/../../etc", "an escaping path"}, {"..", "a parent segment"},
                {"pub\u0000lic", "a NUL character"}, {"p".repeat(2000), "2,000 characters"}, {"public;id", "a shell separator"},
                {"public\\..\\..", "backslashes"},
        };
        for (String[] folder : folders) {
            cases.add(refused(AREA, "a folder with " + folder[1] + " is refused",
                    Request.json("PUT", git, token, "{\"repositoryUrl\":\"" + PUBLIC_REPOSITORY + "\",\"branch\":\"main\",\"path\":"
                            + quote(folder[0]) + "}"), 400, "validation").checking(field("path")));
        }
        cases.add(refused(AREA, "a Git source for another tenant's site answers 404",
                Request.json("PUT", "/sites/" + world.victimSite + "/git", token, "{\"repositoryUrl\":\"" + PUBLIC_REPOSITORY + "\",\"branch\":\"main\"}"),
                404, "not-found"));
        cases.add(refused(AREA, "removing another tenant's Git source answers 404",
                Request.json("DELETE", "/sites/" + world.victimSite + "/git", token, null), 404, "not-found"));
        return cases;
    }

    /** The host a URL names, as the policy would look it up; null if it names none. */
    private static String hostOf(String url) {
        try {
            String host = new URI(url).getHost();
            return host == null ? null : host.toLowerCase(Locale.ROOT).replaceAll("^\\[|\\]$", "");
        } catch (java.net.URISyntaxException notAUri) {
            return null;
        }
    }
}
