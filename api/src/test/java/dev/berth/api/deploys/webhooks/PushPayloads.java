package dev.berth.api.deploys.webhooks;

/**
 * Push payloads shaped like the ones GitHub, GitLab and Gitea document for push events, written by
 * hand with their documented fields (abridged where fields do not matter here).
 */
public final class PushPayloads {
    public static final String COMMIT = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    static final String PREVIOUS = "9049f1265b7d61be4a8904a9a27120d2064dab3b";
    static final String ZEROS = "0000000000000000000000000000000000000000";

    private PushPayloads() {
    }

    public static String github(String ref, String after, boolean deleted) {
        return """
                {
                  "ref": "%s",
                  "before": "%s",
                  "after": "%s",
                  "created": false,
                  "deleted": %s,
                  "forced": false,
                  "base_ref": null,
                  "compare": "https://github.com/octo-org/site/compare/9049f1265b7d...6dcb09b5b578",
                  "commits": [
                    {
                      "id": "%s",
                      "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
                      "distinct": true,
                      "message": "Update index.html",
                      "timestamp": "2026-11-28T10:00:00+01:00",
                      "url": "https://github.com/octo-org/site/commit/6dcb09b5b578",
                      "author": {"name": "Mona", "email": "mona@example.com", "username": "mona"},
                      "committer": {"name": "Mona", "email": "mona@example.com", "username": "mona"},
                      "added": [], "removed": [], "modified": ["index.html"]
                    }
                  ],
                  "head_commit": {"id": "%s", "message": "Update index.html"},
                  "repository": {
                    "id": 1296269,
                    "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
                    "name": "site",
                    "full_name": "octo-org/site",
                    "private": false,
                    "owner": {"login": "octo-org", "id": 1},
                    "html_url": "https://github.com/octo-org/site",
                    "clone_url": "https://github.com/octo-org/site.git",
                    "git_url": "git://github.com/octo-org/site.git",
                    "ssh_url": "git@github.com:octo-org/site.git",
                    "default_branch": "main"
                  },
                  "pusher": {"name": "mona", "email": "mona@example.com"},
                  "sender": {"login": "mona", "id": 2}
                }
                """.formatted(ref, PREVIOUS, after, deleted, after, after);
    }

    static String githubPing() {
        return """
                {"zen": "Keep it logically awesome.", "hook_id": 30, "hook": {"type": "Repository", "id": 30, "events": ["push"],
                 "active": true, "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://berth.example/api/v1/hooks/git/blog"}},
                 "repository": {"id": 1296269, "full_name": "octo-org/site"}, "sender": {"login": "mona"}}
                """;
    }

    public static String gitlab(String ref, String after, String checkoutSha) {
        return """
                {
                  "object_kind": "push",
                  "event_name": "push",
                  "before": "%s",
                  "after": "%s",
                  "ref": "%s",
                  "ref_protected": true,
                  "checkout_sha": %s,
                  "message": null,
                  "user_id": 4,
                  "user_name": "John Smith",
                  "user_username": "jsmith",
                  "user_email": "",
                  "project_id": 15,
                  "project": {
                    "id": 15,
                    "name": "Site",
                    "web_url": "https://gitlab.example.com/mike/site",
                    "git_ssh_url": "git@gitlab.example.com:mike/site.git",
                    "git_http_url": "https://gitlab.example.com/mike/site.git",
                    "namespace": "Mike",
                    "visibility_level": 0,
                    "path_with_namespace": "mike/site",
                    "default_branch": "main"
                  },
                  "commits": [
                    {"id": "%s", "message": "Update index", "title": "Update index", "timestamp": "2026-11-28T09:00:00+00:00",
                     "url": "https://gitlab.example.com/mike/site/-/commit/6dcb09b5", "author": {"name": "Jordi", "email": "jordi@example.com"},
                     "added": [], "modified": ["index.html"], "removed": []}
                  ],
                  "total_commits_count": 1,
                  "repository": {
                    "name": "Site",
                    "url": "git@gitlab.example.com:mike/site.git",
                    "homepage": "https://gitlab.example.com/mike/site",
                    "git_http_url": "https://gitlab.example.com/mike/site.git",
                    "git_ssh_url": "git@gitlab.example.com:mike/site.git",
                    "visibility_level": 0
                  }
                }
                """.formatted(PREVIOUS, after, ref, checkoutSha == null ? "null" : "\"" + checkoutSha + "\"", after);
    }

    public static String gitea(String ref, String after) {
        return """
                {
                  "ref": "%s",
                  "before": "%s",
                  "after": "%s",
                  "compare_url": "https://gitea.example.com/gitea/site/compare/9049f1265b7d...6dcb09b5b578",
                  "commits": [
                    {"id": "%s", "message": "Update index\\n", "url": "https://gitea.example.com/gitea/site/commit/6dcb09b5",
                     "author": {"name": "user1", "email": "user1@example.com", "username": "user1"},
                     "committer": {"name": "user1", "email": "user1@example.com", "username": "user1"},
                     "verification": null, "timestamp": "2026-11-28T10:00:00Z", "added": [], "removed": [], "modified": ["index.html"]}
                  ],
                  "total_commits": 1,
                  "head_commit": {"id": "%s", "message": "Update index\\n"},
                  "repository": {
                    "id": 1,
                    "owner": {"id": 1, "login": "gitea", "username": "gitea"},
                    "name": "site",
                    "full_name": "gitea/site",
                    "private": false,
                    "fork": false,
                    "html_url": "https://gitea.example.com/gitea/site",
                    "ssh_url": "git@gitea.example.com:gitea/site.git",
                    "clone_url": "https://gitea.example.com/gitea/site.git",
                    "default_branch": "main"
                  },
                  "pusher": {"id": 1, "login": "user1", "username": "user1"},
                  "sender": {"id": 1, "login": "user1", "username": "user1"}
                }
                """.formatted(ref, PREVIOUS, after, after, after);
    }
}
