import { Navigate, Route, Routes, useLocation } from 'react-router';
import type { ReactNode } from 'react';
import { useAuth } from './auth/AuthProvider';
import { Layout } from './components/Layout';
import { Notice } from './components/Notice';
import { LoginPage } from './pages/LoginPage';
import { SignupPage } from './pages/SignupPage';
import { SitesPage } from './pages/SitesPage';
import { SitePage } from './pages/SitePage';
import { TokensPage } from './pages/TokensPage';
import { AccountPage } from './account/AccountPage';
import { ForgotPasswordPage, ResetPasswordPage } from './account/PasswordResetPages';
import { VerifyEmailPage } from './account/EmailVerification';
import { WebhooksPage } from './webhooks/WebhooksPage';
import { TenantPage } from './pages/TenantPage';
import { AcceptInvitationPage } from './team/AcceptInvitationPage';
import { TeamPage } from './team/TeamPage';
import { AdminTenantsPage } from './pages/admin/AdminTenantsPage';
import { AdminSitesPage } from './pages/admin/AdminSitesPage';
import { AdminUsersPage } from './pages/admin/AdminUsersPage';
import { AdminHostPage } from './pages/admin/AdminHostPage';
import { AdminNodesPage } from './pages/admin/AdminNodesPage';
import { AdminAuditPage, TenantAuditPage } from './audit/AuditLogPage';
import { NotFoundPage } from './pages/NotFoundPage';

function Loading() {
  return <p className="loading" role="status">Loading…</p>;
}

/** Signed-in pages; others go to the login page, which brings the user back afterwards. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { status, me, meProblem, reloadMe } = useAuth();
  const location = useLocation();
  if (status === 'loading') {
    return <Loading />;
  }
  if (status === 'signedOut') {
    // The way back travels in history state, never in the URL.
    return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  }
  if (me === null && meProblem !== null) {
    return (
      <main id="main" className="auth-page">
        <div className="auth-card">
          <Notice kind="error">{meProblem}</Notice>
          <button type="button" className="primary" onClick={() => reloadMe()}>Try again</button>
        </div>
      </main>
    );
  }
  return <>{children}</>;
}

function RequireAdmin({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  if (me === null) {
    return <Loading />;
  }
  return me.platformAdmin ? <>{children}</> : <NotFoundPage />;
}

function PublicOnly({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  if (status === 'loading') {
    return <Loading />;
  }
  return status === 'signedIn' ? <Navigate to="/sites" replace /> : <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<PublicOnly><LoginPage /></PublicOnly>} />
      <Route path="/signup" element={<PublicOnly><SignupPage /></PublicOnly>} />
      <Route path="/forgot-password" element={<PublicOnly><ForgotPasswordPage /></PublicOnly>} />
      {/* Not PublicOnly: a reset link opened in a signed-in tab still sets the password. */}
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="/verify-email" element={<VerifyEmailPage />} />
      <Route path="/invitations/accept" element={<AcceptInvitationPage />} />
      <Route element={<RequireAuth><Layout /></RequireAuth>}>
        <Route index element={<Navigate to="/sites" replace />} />
        <Route path="/sites" element={<SitesPage />} />
        <Route path="/sites/:siteName" element={<SitePage />} />
        <Route path="/tokens" element={<TokensPage />} />
        <Route path="/account" element={<AccountPage />} />
        <Route path="/webhooks" element={<WebhooksPage />} />
        <Route path="/tenant" element={<TenantPage />} />
        <Route path="/team" element={<TeamPage />} />
        <Route path="/audit" element={<TenantAuditPage />} />
        <Route path="/admin/tenants" element={<RequireAdmin><AdminTenantsPage /></RequireAdmin>} />
        <Route path="/admin/sites" element={<RequireAdmin><AdminSitesPage /></RequireAdmin>} />
        <Route path="/admin/users" element={<RequireAdmin><AdminUsersPage /></RequireAdmin>} />
        <Route path="/admin/host" element={<RequireAdmin><AdminHostPage /></RequireAdmin>} />
        <Route path="/admin/nodes" element={<RequireAdmin><AdminNodesPage /></RequireAdmin>} />
        <Route path="/admin/audit" element={<RequireAdmin><AdminAuditPage /></RequireAdmin>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
