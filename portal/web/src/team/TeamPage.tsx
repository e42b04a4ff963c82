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
 * The team: members with their roles, and for owners and admins the invite form, the pending
 * invitations and the role, remove and transfer actions (hidden from roles that cannot use them).
 */
export function TeamPage() {
  const api = useApi();
  const { me } = useAuth();
  const myRole = me?.role as Role | undefined;
  const manages = managesTeam(myRole);
  const members = usePoll(() => api.members.listMembers(), () => 15000);
  const invitations = usePoll(() => (manages ? api.invitations.listInvitations() : Promise.resolve({ items: [] })), () => 15000);
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
                  <li key={invitation.id}>
                    {invitation.email} · {invitation.role} · until {formatDateTime(invitation.expiresAt)}{' '}
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
