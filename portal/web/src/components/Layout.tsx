import { useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthProvider';
import { ConfirmAddressReminder } from '../account/EmailVerification';

/** The frame of every signed-in page: skip link, navigation, who is signed in, log out. */
export function Layout() {
  const { me, logOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [leaving, setLeaving] = useState(false);
  const onLogOut = async () => {
    setLeaving(true);
    await logOut();
    navigate('/login', { replace: true });
  };
  // A platform admin the platform requires two-factor sign-in of can reach nothing else until it is on.
  if (me?.totpEnrolmentRequired && location.pathname !== '/account') {
    return <Navigate to="/account" replace />;
  }
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="top">
        <div className="top-inner">
          <NavLink to="/sites" className="brand">Berth</NavLink>
          <nav aria-label="Main">
            <ul>
              <li><NavLink to="/sites">Sites</NavLink></li>
              <li><NavLink to="/tokens">Tokens</NavLink></li>
              <li><NavLink to="/webhooks">Webhooks</NavLink></li>
              <li><NavLink to="/tenant">Tenant</NavLink></li>
              <li><NavLink to="/team">Team</NavLink></li>
              {me?.role === 'owner' || me?.role === 'admin' ? <li><NavLink to="/audit">Audit log</NavLink></li> : null}
              <li><NavLink to="/account">Account</NavLink></li>
              {me?.platformAdmin ? (
                <>
                  <li><NavLink to="/admin/tenants">All tenants</NavLink></li>
                  <li><NavLink to="/admin/sites">All sites</NavLink></li>
                  <li><NavLink to="/admin/users">All users</NavLink></li>
                  <li><NavLink to="/admin/host">Host health</NavLink></li>
                  <li><NavLink to="/admin/nodes">Nodes</NavLink></li>
                  <li><NavLink to="/admin/audit">Platform audit log</NavLink></li>
                </>
              ) : null}
            </ul>
          </nav>
          <div className="who">
            <span className="who-email" title={me?.email}>{me?.email}</span>
            <button type="button" className="link-button" onClick={onLogOut} disabled={leaving}>
              {leaving ? 'Logging out…' : 'Log out'}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page">
        <ConfirmAddressReminder />
        <Outlet />
      </main>
    </>
  );
}
