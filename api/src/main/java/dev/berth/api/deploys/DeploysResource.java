package dev.berth.api.deploys;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.DeployList;
import dev.berth.api.generated.model.DeployManifest;
import dev.berth.api.deploys.git.DeployKeys;
import dev.berth.api.generated.model.GitSource;
import dev.berth.api.generated.model.GitSourceRequest;
import dev.berth.api.generated.resources.DeploysApi;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A site's deploys and Git source. */
public final class DeploysResource implements DeploysApi {
    private final DeployService deploys;
    private final String publicBaseUrl;
    private final Runnable nudgeWorker;

    /**
     * @param publicBaseUrl how Git hosts reach this API, for the webhook URL
     * @param nudgeWorker   tells the Git deploy worker a deploy was queued
     */
    public DeploysResource(DeployService deploys, String publicBaseUrl, Runnable nudgeWorker) {
        this.deploys = deploys;
        this.publicBaseUrl = publicBaseUrl.replaceAll("/+$", "");
        this.nudgeWorker = nudgeWorker;
    }

    @Override
    public Response redeploySite(String siteName) {
        Deploy deploy = deploys.redeploy(Access.caller(), siteName);
        nudgeWorker.run();
        return Response.accepted(toDto(siteName, deploy))
                .location(URI.create("/api/v1/sites/" + siteName + "/deploys/" + deploy.id())).build();
    }

    @Override
    public Response uploadDeploy(String siteName, InputStream body) {
        String mediaType = CurrentRequest.get().getContentType();
        String type = mediaType == null ? "" : mediaType.replaceFirst(";.*$", "").trim();
        Deploy deploy = deploys.upload(Access.caller(), siteName, type, body);
        return Response.accepted(toDto(siteName, deploy))
                .location(URI.create("/api/v1/sites/" + siteName + "/deploys/" + deploy.id())).build();
    }

    @Override
    public Response createManifestDeploy(String siteName, DeployManifest manifest) {
        List<Map.Entry<String, String>> files = manifest.getFiles().stream()
                .map(file -> Map.entry(file.getPath(), file.getSha256())).toList();
        Deploy deploy = deploys.createFromManifest(Access.caller(), siteName, files);
        return Response.accepted(toDto(siteName, deploy))
                .location(URI.create("/api/v1/sites/" + siteName + "/deploys/" + deploy.id())).build();
    }

    @Override
    public Response uploadDeployFile(String siteName, UUID deployId, String sha256, InputStream body) {
        Deploy deploy = deploys.uploadManifestFile(Access.caller(), siteName, deployId, sha256, body);
        return Response.ok(toDto(siteName, deploy)).build();
    }

    @Override
    public Response listDeploys(String siteName, String cursor, Integer limit) {
        DeployService.Page page = deploys.list(Access.caller(), siteName, cursor, limit == null ? 50 : limit);
        DeployList list = new DeployList(page.items().stream().map(d -> toDto(siteName, d)).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    @Override
    public Response getDeploy(String siteName, UUID deployId) {
        return Response.ok(toDto(siteName, deploys.get(Access.caller(), siteName, deployId))).build();
    }

    @Override
    public Response downloadDeployArchive(String siteName, UUID deployId) {
        DeployService.Archive archive = deploys.archive(Access.caller(), siteName, deployId);
        StreamingOutput body = sink -> deploys.writeArchive(archive, sink);
        return Response.ok(body, "application/gzip")
                .header("Content-Disposition", "attachment; filename=\"" + archive.fileName() + "\"").build();
    }

    @Override
    public Response rollbackDeploy(String siteName, UUID deployId) {
        return Response.accepted(toDto(siteName, deploys.rollback(Access.caller(), siteName, deployId))).build();
    }

    @Override
    public Response getGitSource(String siteName) {
        return Response.ok(toDto(siteName, deploys.gitSource(Access.caller(), siteName), false)).build();
    }

    @Override
    public Response putGitSource(String siteName, GitSourceRequest request) {
        DeployDao.GitSource source = deploys.setGitSource(Access.caller(), siteName, request.getRepositoryUrl(), request.getBranch(),
                request.getPath(), new DeployService.GitAccess(request.getCredential() == null ? null : request.getCredential().toString(),
                        request.getTokenUsername(), request.getToken(), Boolean.TRUE.equals(request.getRotateDeployKey())));
        CacheControl cache = new CacheControl();
        cache.setNoStore(true);
        return Response.ok(toDto(siteName, source, true)).cacheControl(cache).build();
    }

    @Override
    public Response deleteGitSource(String siteName) {
        deploys.deleteGitSource(Access.caller(), siteName);
        return Response.noContent().build();
    }

    private GitSource toDto(String siteName, DeployDao.GitSource source, boolean withSecret) {
        GitSource dto = new GitSource(source.repositoryUrl(), source.branch(), source.path(), publicBaseUrl + "/api/v1/hooks/git/" + siteName,
                GitSource.CredentialEnum.fromValue(source.credential()));
        dto.setUpdatedAt(Times.utc(source.updatedAt()));
        dto.setTokenUsername(source.tokenUsername());
        if (source.credential().equals(DeployDao.GitSource.DEPLOY_KEY) && source.deployPublicKey() != null) {
            dto.setDeployPublicKey(source.deployPublicKey());
            dto.setDeployKeyFingerprint(DeployKeys.fingerprint(source.deployPublicKey()));
        }
        if (source.knownHostKey() != null) {
            dto.setHostKeyFingerprint(DeployKeys.fingerprint(source.knownHostKey()));
        }
        if (withSecret) {
            dto.setSecret(source.secret());
        }
        return dto;
    }

    private dev.berth.api.generated.model.Deploy toDto(String siteName, Deploy deploy) {
        dev.berth.api.generated.model.Deploy dto = dto(siteName, deploy);
        if (deploy.status().equals(Deploy.UPLOADING)) {
            dto.setRequired(deploys.required(deploy));
        }
        return dto;
    }

    static dev.berth.api.generated.model.Deploy dto(String siteName, Deploy deploy) {
        dev.berth.api.generated.model.Deploy dto = new dev.berth.api.generated.model.Deploy(deploy.id(), siteName,
                dev.berth.api.generated.model.Deploy.SourceEnum.fromValue(deploy.source()),
                dev.berth.api.generated.model.Deploy.StatusEnum.fromValue(deploy.status()),
                Deploy.LIVE.equals(deploy.status()), Times.utc(deploy.createdAt()), Times.utc(deploy.updatedAt()));
        dto.setCommit(deploy.commitSha());
        dto.setBytes(deploy.bytes());
        dto.setFiles(deploy.files());
        dto.setError(deploy.error());
        dto.setLog(deploy.log() == null ? List.of() : Arrays.asList(deploy.log().split("\n")));
        dto.setLiveAt(Times.utc(deploy.liveAt()));
        return dto;
    }
}
