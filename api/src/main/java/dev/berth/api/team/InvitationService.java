package dev.berth.api.team;

import dev.berth.api.auth.AuthService;
import dev.berth.api.auth.UserDao;
import dev.berth.api.caller.Caller;
import dev.berth.api.mail.MailTemplate;
import dev.berth.api.mail.Mailer;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Sql;
import dev.berth.api.platform.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Invitations to a tenant: a single-use link mailed to an address, valid for {@link #VALIDITY};
 * only the token's SHA-256 is stored. Accepting one with a password creates the account in the
 * tenant with the invitation's role. A user belongs to exactly one tenant, so an address that
 * already has an account cannot accept (409 {@code account-exists}, told only to whoever holds the
 * link); inviting answers alike whether or not the address has an account elsewhere, so inviting
 * tells nothing about other tenants. Thread-safe.
 */
public final class InvitationService {
    /** How long an invitation link works. */
    public static final Duration VALIDITY = Duration.ofDays(7);
    /** The most members and pending invitations one tenant has. */
    public static final int MAX_TEAM = 200;
    private static final String TOKEN_PREFIX = "berth_inv_";

    private final Jdbi jdbi;
    private final AuthService auth;
    private final Mailer mailer;
    private final Clock clock;

    public InvitationService(Jdbi jdbi, AuthService auth, Mailer mailer, Clock clock) {
        this.jdbi = jdbi;
        this.auth = auth;
        this.mailer = mailer;
        this.clock = clock;
    }

    /** What an accepted invitation made: the new account's address, tenant and role. */
    public record Accepted(UUID userId, String email, UUID tenantId, String tenantName, String role) {
    }

    /**
     * Invites an address to the caller's tenant with a role (never owner) and mails the link. A
     * pending invitation of the same address is replaced (its link stops working).
     *
     * @throws ProblemException 400 for a malformed address, 409 when the address is already a member
     *         or the team is full
     */
    public InvitationDao.InvitationRow invite(Caller caller, String email, Caller.Role role) {
        if (role == Caller.Role.OWNER) {
            throw ProblemException.invalidField("role", "must be admin, developer or viewer; ownership moves by transfer");
        }
        return jdbi.inTransaction(handle -> create(handle, caller.tenantId(), AuthService.normaliseEmail(email), role, caller.email()));
    }

    /**
     * Stores an invitation and queues its mail in the caller's transaction: the tenant's team (members
     * and pending invitations) is counted under the tenant's row lock.
     *
     * @param invitedBy the inviter's address, or null when the platform invites (a new tenant's owner)
     */
    InvitationDao.InvitationRow create(Handle handle, UUID tenantId, String email, Caller.Role role, String invitedBy) {
        InvitationDao invitations = handle.attach(InvitationDao.class);
        Instant now = clock.instant();
        invitations.lockTenant(tenantId).orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + tenantId));
        if (invitations.countMembers(tenantId, email) > 0) {
            throw new ProblemException(Problems.CONFLICT, email + " is already a member of this tenant",
                    List.of(new ProblemException.FieldProblem("email", "is already a member")), Map.of());
        }
        invitations.deleteEndedBefore(now.minus(VALIDITY));
        invitations.revokePending(tenantId, email, now);
        int team = handle.attach(MemberDao.class).count(tenantId) + invitations.pending(tenantId, now).size();
        if (team >= MAX_TEAM) {
            throw Problems.CONFLICT.with("a tenant has at most " + MAX_TEAM + " members and pending invitations");
        }
        String token = Secrets.random(TOKEN_PREFIX, 32);
        InvitationDao.InvitationRow invitation = new InvitationDao.InvitationRow(UUID.randomUUID(), tenantId, email, role.wireName(),
                Secrets.sha256(token), invitedBy, now, now.plus(VALIDITY), null, null);
        invitations.insert(invitation);
        String tenantName = invitations.tenantName(tenantId).orElseThrow();
        mailer.send(handle, MailTemplate.INVITATION, email, Map.of(
                "tenantName", tenantName,
                "inviterEmail", invitedBy == null ? "The operator of this platform" : invitedBy,
                "role", role.wireName(),
                "acceptUrl", mailer.portalUrl() + "/invitations/accept#token=" + token,
                "expiresAt", Times.utc(invitation.expiresAt()).toString()));
        return invitation;
    }

    /** A tenant a platform admin created, and the invitation of its owner. */
    public record NewTenant(UUID tenantId, InvitationDao.InvitationRow ownerInvitation) {
    }

    /**
     * Creates a tenant with the default quota and invites its owner (the closed-signup path): the
     * tenant has no member until the invitation is accepted.
     *
     * @throws ProblemException 400 for a bad name or address, 409 {@code name-taken}
     */
    public NewTenant createTenant(String tenantName, String ownerEmail) {
        String email = AuthService.normaliseEmail(ownerEmail);
        try {
            return jdbi.inTransaction(handle -> {
                UUID tenantId = auth.createTenant(handle, tenantName).id();
                return new NewTenant(tenantId, create(handle, tenantId, email, Caller.Role.OWNER, null));
            });
        } catch (UnableToExecuteStatementException failure) {
            if (Sql.isUniqueViolation(failure)) {
                throw Problems.NAME_TAKEN.with("the tenant name '" + tenantName + "' was just taken");
            }
            throw failure;
        }
    }

    /**
     * The tenant's open invitations, newest first: pending ones, and those that expired less than
     * {@link #VALIDITY} ago, which can be {@linkplain #resend resent}.
     */
    public List<InvitationDao.InvitationRow> open(UUID tenantId) {
        return jdbi.withExtension(InvitationDao.class, dao -> dao.open(tenantId, clock.instant().minus(VALIDITY)));
    }

    /**
     * Replaces a pending or expired invitation of the caller's tenant with a new one to the same
     * address and role, valid from now, and mails its link; the previous link stops working.
     *
     * @throws ProblemException 404 for another tenant's or an unknown invitation, 409 for an accepted
     *         or revoked one
     */
    public InvitationDao.InvitationRow resend(Caller caller, UUID invitationId) {
        return jdbi.inTransaction(handle -> {
            InvitationDao invitations = handle.attach(InvitationDao.class);
            // The tenant first, as an invitation takes it: two resends or a resend and an invite queue up.
            invitations.lockTenant(caller.tenantId()).orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + caller.tenantId()));
            InvitationDao.InvitationRow invitation = invitations.lock(caller.tenantId(), invitationId)
                    .orElseThrow(() -> Problems.NOT_FOUND.with("no invitation " + invitationId + " in this tenant"));
            if (invitation.acceptedAt() != null) {
                throw Problems.CONFLICT.with("the invitation was accepted; " + invitation.email() + " is a member");
            }
            if (invitation.revokedAt() != null) {
                throw Problems.CONFLICT.with("the invitation was revoked or replaced; invite " + invitation.email() + " again");
            }
            return create(handle, caller.tenantId(), invitation.email(), Caller.Role.fromWire(invitation.role()), caller.email());
        });
    }

    /**
     * Revokes an invitation of the caller's tenant; revoking one already revoked or expired changes
     * nothing. 404 for another tenant's or an unknown one, 409 for an accepted one.
     */
    public void revoke(Caller caller, UUID invitationId) {
        jdbi.useTransaction(handle -> {
            InvitationDao invitations = handle.attach(InvitationDao.class);
            InvitationDao.InvitationRow invitation = invitations.lock(caller.tenantId(), invitationId)
                    .orElseThrow(() -> Problems.NOT_FOUND.with("no invitation " + invitationId + " in this tenant"));
            if (invitation.acceptedAt() != null) {
                throw Problems.CONFLICT.with("the invitation was accepted; remove the member instead");
            }
            invitations.revoke(invitationId, clock.instant());
        });
    }

    /**
     * Accepts an invitation: creates the account in the invitation's tenant with its role and this
     * password, its address confirmed (the link reached it), and uses the invitation up. Nothing
     * changes when anything is refused.
     *
     * @throws ProblemException 400 {@code validation} for a password breaking the rule, 400
     *         {@code invitation-invalid} for an unknown, used, revoked or expired link, 409
     *         {@code account-exists} when the address already has an account
     */
    public Accepted accept(String token, String password) {
        String passwordHash = auth.hashNewPassword("password", password);
        Instant now = clock.instant();
        return jdbi.inTransaction(handle -> {
            InvitationDao invitations = handle.attach(InvitationDao.class);
            Optional<InvitationDao.InvitationRow> found = invitations.lockByToken(Secrets.sha256(token));
            if (found.isEmpty() || found.get().acceptedAt() != null || found.get().revokedAt() != null) {
                throw Problems.INVITATION_INVALID.with("the invitation link is unknown, was used or was revoked; ask for a new one");
            }
            InvitationDao.InvitationRow invitation = found.get();
            if (!invitation.expiresAt().isAfter(now)) {
                throw Problems.INVITATION_INVALID.with("the invitation expired (links work for " + VALIDITY.toDays()
                        + " days); ask for a new one");
            }
            if (invitations.countAccounts(invitation.email()) > 0) {
                throw Problems.ACCOUNT_EXISTS.with(invitation.email() + " already has an account, and an account belongs to one tenant:"
                        + " log in with it, or ask to be invited at another address");
            }
            String tenantName = invitations.tenantName(invitation.tenantId()).orElseThrow();
            UserDao users = handle.attach(UserDao.class);
            UUID userId = UUID.randomUUID();
            users.insert(new UserDao.UserRow(userId, invitation.tenantId(), tenantName, invitation.email(), passwordHash,
                    invitation.role(), false, now, null));
            users.markEmailVerified(userId, now);
            invitations.markAccepted(invitation.id(), now);
            return new Accepted(userId, invitation.email(), invitation.tenantId(), tenantName, invitation.role());
        });
    }
}
