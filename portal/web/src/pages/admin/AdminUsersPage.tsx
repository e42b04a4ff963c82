import { useState } from 'react';
import type { User } from '@berth/api';
import { useApi, useAuth } from '../../auth/AuthProvider';
import { allPages } from '../../api/pages';
import { readProblem } from '../../api/problems';
import { usePoll } from '../../hooks/usePoll';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatDateTime } from '../../format';

/**
 * Removes an account after a second, explicit click. The API refuses (409) a tenant's only owner
 * while the tenant has members or sites; the refusal is shown as the API words it.
 */
function RemoveUser({ user, busy, onConfirm }: { user: User; busy: boolean; onConfirm(): void }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return <button type="button" className="danger" disabled={busy} onClick={() => setOpen(true)}>Remove {user.email}…</button>;
  }
  return (
    <span role="group" aria-label={`Remove ${user.email}`}>
      <button type="button" className="danger" disabled={busy} onClick={onConfirm}>Remove {user.email} for good</button>{' '}
      <button type="button" onClick={() => setOpen(false)}>Cancel</button>
    </span>
  );
}

/**
 * Every account of the platform: its tenant, role and state, and for each but one's own, disable or
 * enable it (a disabled account cannot log in and its sessions and tokens are refused at once) and
 * remove it.
 */
export function AdminUsersPage() {
  const api = useApi();
  const { me } = useAuth();
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const users = usePoll(() => allPages((cursor) => api.adminUsers.adminListUsers({ cursor, limit: 200 })), () => 30000);

  const act = async (user: User, action: () => Promise<unknown>, done: string, what: string) => {
    setBusy(user.id);
    setOutcome(null);
    try {
      await action();
      setOutcome({ kind: 'success', text: done });
      users.reload();
    } catch (failure) {
      setOutcome({ kind: 'error', text: `Could not ${what} ${user.email}. ${(await readProblem(failure)).message}` });
    } finally {
      setBusy(null);
    }
  };
  const setDisabled = (user: User, disabled: boolean) => act(user,
    () => api.adminUsers.adminUpdateUser({ userId: user.id, updateUserRequest: { disabled } }),
    disabled ? `${user.email} is disabled: its sessions ended and its tokens are refused.` : `${user.email} can log in again.`,
    disabled ? 'disable' : 'enable');

  return (
    <section>
      <PageHeading title="All users">All users</PageHeading>
      {users.error ? <Notice kind="error">Could not load the users. {users.error.message}</Notice> : null}
      {outcome ? <Notice kind={outcome.kind}>{outcome.text}</Notice> : null}
      {users.loading ? <p role="status">Loading…</p> : null}
      <div className="table-scroll" role="region" aria-label="Every user" tabIndex={0}>
        <table aria-label="Users">
          <thead>
            <tr><th scope="col">E-mail address</th><th scope="col">Tenant</th><th scope="col">Role</th><th scope="col">State</th>
              <th scope="col">Since</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {(users.data ?? []).map((user) => (
              <tr key={user.id} data-user={user.email}>
                <td>{user.email}{user.platformAdmin ? ' (platform admin)' : ''}</td>
                <td>{user.tenantName}</td>
                <td>{user.role}</td>
                <td>{user.disabledAt ? <strong>Disabled since {formatDateTime(user.disabledAt)}</strong> : 'Active'}
                  {user.totpEnabled ? ' · two-factor' : ''}</td>
                <td>{formatDateTime(user.createdAt)}</td>
                <td>
                  {user.id === me?.userId ? <span className="muted">You</span> : (
                    <span className="actions">
                      {user.disabledAt
                        ? <button type="button" disabled={busy === user.id} onClick={() => setDisabled(user, false)}>Enable {user.email}</button>
                        : <button type="button" className="danger" disabled={busy === user.id} onClick={() => setDisabled(user, true)}>
                          Disable {user.email}</button>}{' '}
                      <RemoveUser user={user} busy={busy === user.id} onConfirm={() => act(user,
                        () => api.adminUsers.adminRemoveUser({ userId: user.id }), `${user.email} was removed.`, 'remove')} />
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
