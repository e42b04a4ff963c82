import {
  AccountApi,
  AdminApi,
  AdminHostApi,
  AdminNodesApi,
  AdminUsersApi,
  AuditApi,
  AuthApi,
  CertificatesApi,
  Configuration,
  DeploysApi,
  DomainsApi,
  InvitationsApi,
  MembersApi,
  OperationsApi,
  PlatformApi,
  PreviewsApi,
  ProtectionApi,
  ServingApi,
  BuildsApi,
  SitesApi,
  TenantApi,
  TokensApi,
  TwoFactorApi,
  UsageApi,
  NotificationsApi,
  WebhookEndpointsApi,
  type Middleware,
} from '@berth/api';
import type { Session } from '../auth/session';
import { createUploader, type UploadRequest, type Uploader } from './upload';

/** The generated API clients, all sharing one session. */
export interface Api {
  auth: AuthApi;
  /** The caller's password and login sessions, password reset. */
  account: AccountApi;
  /** Two-factor sign-in (`/me/totp`). */
  twoFactor: TwoFactorApi;
  sites: SitesApi;
  tokens: TokensApi;
  tenant: TenantApi;
  admin: AdminApi;
  operations: OperationsApi;
  deploys: DeploysApi;
  /** A site's branch previews. */
  previews: PreviewsApi;
  domains: DomainsApi;
  /** A site's password and address protection. */
  protection: ProtectionApi;
  /** A site's serving switches (SPA fallback, clean URLs). */
  serving: ServingApi;
  /** A site's build step (command and output folder). */
  builds: BuildsApi;
  certificates: CertificatesApi;
  usage: UsageApi;
  platform: PlatformApi;
  adminHost: AdminHostApi;
  adminNodes: AdminNodesApi;
  /** Every account: list, disable or enable, remove (platform admins). */
  adminUsers: AdminUsersApi;
  /** The tenant's own audit log (owners and admins); the platform-wide one is `admin.adminListAudit`. */
  audit: AuditApi;
  webhooks: WebhookEndpointsApi;
  notifications: NotificationsApi;
  /** The caller's team: members and roles. */
  members: MembersApi;
  /** Invitations to the team, and accepting one. */
  invitations: InvitationsApi;
  /** Archive uploads, with progress (XMLHttpRequest: fetch reports none). */
  upload: Uploader;
}

export interface ApiOptions {
  basePath?: string;
  fetchApi?: typeof fetch;
  /** Makes the request an upload goes through; XMLHttpRequest unless a test passes a fake. */
  newUploadRequest?: () => UploadRequest;
}

function bearerOf(headers: HeadersInit | undefined): string | null {
  const value = new Headers(headers).get('Authorization');
  return value !== null && value.startsWith('Bearer ') ? value.slice('Bearer '.length) : null;
}

/**
 * Builds the clients. Each request carries a fresh access token; if the API still answers 401
 * (the token was revoked or expired in flight), the session is renewed once and the request retried.
 */
export function createApi(session: Session, options: ApiOptions = {}): Api {
  const fetchApi = options.fetchApi ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const retryOnceAfterRenewal: Middleware = {
    async post(context) {
      if (context.response.status !== 401) {
        return undefined;
      }
      const rejected = bearerOf(context.init.headers);
      if (rejected === null || rejected === '') {
        return undefined;
      }
      const renewed = await session.renewAfterRejection(rejected);
      if (renewed === null) {
        return undefined;
      }
      const headers = new Headers(context.init.headers);
      headers.set('Authorization', `Bearer ${renewed}`);
      return fetchApi(context.url, { ...context.init, headers });
    },
  };
  const basePath = options.basePath ?? '/api/v1';
  const configuration = new Configuration({
    basePath,
    fetchApi,
    accessToken: () => session.accessTokenForRequest(),
    middleware: [retryOnceAfterRenewal],
  });
  const deploys = new DeploysApi(configuration);
  return {
    auth: new AuthApi(configuration),
    account: new AccountApi(configuration),
    twoFactor: new TwoFactorApi(configuration),
    sites: new SitesApi(configuration),
    tokens: new TokensApi(configuration),
    tenant: new TenantApi(configuration),
    admin: new AdminApi(configuration),
    operations: new OperationsApi(configuration),
    deploys,
    previews: new PreviewsApi(configuration),
    domains: new DomainsApi(configuration),
    protection: new ProtectionApi(configuration),
    serving: new ServingApi(configuration),
    builds: new BuildsApi(configuration),
    certificates: new CertificatesApi(configuration),
    usage: new UsageApi(configuration),
    platform: new PlatformApi(configuration),
    adminHost: new AdminHostApi(configuration),
    adminNodes: new AdminNodesApi(configuration),
    adminUsers: new AdminUsersApi(configuration),
    audit: new AuditApi(configuration),
    webhooks: new WebhookEndpointsApi(configuration),
    notifications: new NotificationsApi(configuration),
    members: new MembersApi(configuration),
    invitations: new InvitationsApi(configuration),
    upload: createUploader(deploys, basePath, session, options.newUploadRequest),
  };
}
