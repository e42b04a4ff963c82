import { useState, type FormEvent } from 'react';
import type { AssignableRole, Member, Role } from '@berth/api';
import { useApi, useAuth } from '../auth/AuthProvider';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { fieldProblem, formProblem, readProblem, type ProblemView } from '../api/problems';
import { formatDateTime } from '../format';

/** What each role may do, in the words the page shows (the contract's x-berth-roles decide). */
const ROLE_WORDS: Record<Role, string> = {
  owner: 'Owner: everything, and hands the tenant over',
  admin: 'Admin: manages the team, audit log and webhooks, and sites',
  developer: 'Developer: creates, deploys, starts, stops and deletes sites',
  viewer: 'Viewer: reads',
};
const ASSIGNABLE: AssignableRole[] = ['admin', 'developer', 'viewer'];

/** Whether a role manages the team (the contract gives member and invitation changes to owner and admin). */
function managesTeam(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

/**
 * Leaving the team removes one's own account: asked for in place, with what it means, before the call.
 * The owner hands the tenant over first, so the button is not offered to the owner.
 */
function LeaveTeam({ tenantName, onLeave }: { tenantName: string; onLeave(): Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!open) {
    return <button type="button" className="danger" onClick={() => setOpen(true)}>Leave this team…</button>;
  }
  return (
    <div className="confirm" role="group" aria-label="Leave this team">
      <p><strong>Leave {tenantName}?</strong> Your account, its sessions and its tokens are removed. To come back, ask to be invited again.</p>
      <button type="button" className="danger" disabled={busy} onClick={async () => {
        setBusy(true);
        await onLeave();
        setBusy(false);
      }}>{busy ? 'Leaving…' : 'Leave and remove my account'}</button>{' '}
      <button type="button" onClick={() => setOpen(false)}>Cancel</button>
    </div>
  );
}

/**
 * The team: members with their roles, and for owners and admins the invite form, the open
 * invitations (resend, revoke) and the role, remove and transfer actions (hidden from roles that
 * cannot use them); every member but the owner may leave.
 */
export function TeamPage() {
  const api = useApi();
  const { me, logOut } = useAuth();
  const myRole = me?.role as Role | undefined;
  const manages = managesTeam(myRole);
  const members = usePoll(() => api.members.listMembers(), () => 15000);
  // Keyed on the role: it may be known only after the first load.
  const invitations = usePoll(() => (manages ? api.invitations.listInvitations() : Promise.resolve({ items: [] })), () => 15000, manages);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<AssignableRole>('developer');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (action: () => Promise<unknown>, done: string) => {
    setProblem(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
      members.reload();
      invitations.reload();
    } catch (failure) {
      setProblem(await readProblem(failure));
    }
  };

  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await act(() => api.invitations.createInvitation({ createInvitationRequest: { email: email.trim(), role } }),
      `Invitation sent to ${email.trim()}.`);
    setEmail('');
    setBusy(false);
  };

  const actionsFor = (member: Member) => {
    if (!manages || member.role === 'owner' || member.userId === me?.userId) {
      return null;
    }
    return (
      <span className="actions">
        <label>
          Role of {member.email}{' '}
          <select value={member.role} onChange={(event) => act(
            () => api.members.updateMember({ userId: member.userId, updateMemberRequest: { role: event.target.value as AssignableRole } }),
            `${member.email} is now ${event.target.value}.`)}>
            {ASSIGNABLE.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => act(() => api.members.removeMember({ userId: member.userId }), `${member.email} was removed.`)}>
          Remove {member.email}
        </button>
        {myRole === 'owner' ? (
          <button type="button" onClick={() => act(() => api.members.transferOwnership({ userId: member.userId }),
            `${member.email} is now the owner; you are an admin.`)}>
            Make {member.email} the owner
          </button>
        ) : null}
      </span>
    );
  };

  const leave = async () => {
    setProblem(null);
    try {
      await api.members.leaveTenant();
      await logOut();
    } catch (failure) {
      setProblem(await readProblem(failure));
    }
  };

  const formLevel = formProblem(problem);
  return (
    <section>
      <PageHeading title="Team">Team</PageHeading>
      <p className="muted">You are {myRole ? ROLE_WORDS[myRole].toLowerCase() : 'a member'}.</p>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      {members.error ? <Notice kind="error">Could not load the team. {members.error.message}</Notice> : null}
      <section className="panel" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {members.data === undefined ? <p role="status">Loading…</p> : (
          <ul aria-label="Members" className="plain-list">
            {members.data.items.map((member) => (
              <li key={member.userId}>
                <strong>{member.email}</strong> · {member.role} · joined {formatDateTime(member.joinedAt)} {actionsFor(member)}
              </li>
            ))}
          </ul>
        )}
        {myRole !== undefined && myRole !== 'owner' ? <LeaveTeam tenantName={me?.tenantName ?? 'this tenant'} onLeave={leave} /> : null}
      </section>
      {manages ? (
        <>
          <section className="panel" aria-labelledby="invite-heading">
            <h2 id="invite-heading">Invite</h2>
            <form method="post" onSubmit={invite} noValidate>
              <TextField label="E-mail address" type="email" name="email" value={email} maxLength={254}
                error={fieldProblem(problem, 'email', 'E-mail address')} onChange={(event) => setEmail(event.target.value)} />
              <label>
                Role{' '}
                <select name="role" value={role} onChange={(event) => setRole(event.target.value as AssignableRole)}>
                  {ASSIGNABLE.map((name) => <option key={name} value={name}>{ROLE_WORDS[name]}</option>)}
                </select>
              </label>
              <button type="submit" className="primary" disabled={busy}>{busy ? 'Sending…' : 'Send invitation'}</button>
            </form>
          </section>
          <section className="panel" aria-labelledby="pending-heading">
            <h2 id="pending-heading">Pending invitations</h2>
            {invitations.data === undefined || invitations.data.items.length === 0 ? <p>No pending invitations.</p> : (
              <ul aria-label="Pending invitations" className="plain-list">
                {invitations.data.items.map((invitation) => (
                  <li key={invitation.id} data-invitation={invitation.email}>
                    {invitation.email} · {invitation.role} ·{' '}
                    {new Date(invitation.expiresAt).getTime() <= Date.now()
                      ? <strong>expired {formatDateTime(invitation.expiresAt)}</strong>
                      : <>until {formatDateTime(invitation.expiresAt)}</>}{' '}
                    <button type="button" onClick={() => act(() => api.invitations.resendInvitation({ invitationId: invitation.id }),
                      `The invitation was sent to ${invitation.email} again, with a new link.`)}>
                      Resend to {invitation.email}
                    </button>{' '}
                    <button type="button" onClick={() => act(() => api.invitations.revokeInvitation({ invitationId: invitation.id }),
                      `The invitation of ${invitation.email} was revoked.`)}>
                      Revoke {invitation.email}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
    </section>
  );
}
