package dev.berth.api.deploys.webhooks;

/** The Git hosts whose push webhooks Berth understands. */
public enum GitHost {
    GITHUB, GITLAB, GITEA
}
