import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Me } from '@berth/api';
import { createApi, type Api } from '../api/client';
import { readProblem } from '../api/problems';
import { Session, type SecondFactor } from './session';

type Status = 'loading' | 'signedOut' | 'signedIn';

export interface AuthState {
  status: Status;
  me: Me | null;
  api: Api;
  session: Session;
  /** Why the user was sent to the login page, if not by their own choice. */
  endedReason: string | null;
  /** Why /me could not be read although the session is alive (the API is down, say). */
  meProblem: string | null;
  reloadMe(): Promise<void>;
  /** Throws the API's problem; `totp-required` asks for `secondFactor` with the same email and password. */
  logIn(email: string, password: string, secondFactor?: SecondFactor): Promise<void>;
  signUp(email: string, password: string, tenantName: string): Promise<void>;
  logOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (state === null) {
    throw new Error('useAuth outside AuthProvider');
  }
  return state;
}

/** The API clients of the signed-in user; only for pages behind RequireAuth. */
export function useApi(): Api {
  return useAuth().api;
}

export function AuthProvider({ children, session, api }: { children: ReactNode; session?: Session; api?: Api }) {
  const [theSession] = useState(() => session ?? new Session({ storage: window.sessionStorage }));
  const [theApi] = useState(() => api ?? createApi(theSession));
  const [status, setStatus] = useState<Status>(theSession.active ? 'loading' : 'signedOut');
  const [me, setMe] = useState<Me | null>(null);
  const [endedReason, setEndedReason] = useState<string | null>(null);
  const [meProblem, setMeProblem] = useState<string | null>(null);

  const loadMe = useCallback(async () => {
    try {
      const who = await theApi.auth.getMe();
      setMe(who);
      setMeProblem(null);
      setStatus('signedIn');
    } catch (failure) {
      setMe(null);
      if (theSession.active) {
        setMeProblem((await readProblem(failure)).message);
        setStatus('signedIn');
      } else {
        setStatus('signedOut');
      }
    }
  }, [theApi, theSession]);

  useEffect(() => theSession.subscribe((signedIn) => {
    if (!signedIn) {
      setMe(null);
      setStatus('signedOut');
      setEndedReason('Your session has ended. Please log in again.');
    }
  }), [theSession]);

  useEffect(() => {
    // A reload keeps the refresh token (sessionStorage) but not the access token: renew silently.
    if (theSession.active) {
      loadMe();
    }
    // Only on mount: later logins call loadMe themselves.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const logIn = useCallback(async (email: string, password: string, secondFactor?: SecondFactor) => {
    await theSession.logIn(email, password, secondFactor);
    setEndedReason(null);
    await loadMe();
  }, [theSession, loadMe]);

  const signUp = useCallback(async (email: string, password: string, tenantName: string) => {
    await theApi.auth.signup({ signupRequest: { email, password, tenantName } });
    await logIn(email, password);
  }, [theApi, logIn]);

  const logOut = useCallback(async () => {
    await theSession.logOut();
    setEndedReason('You are logged out.');
  }, [theSession]);

  const value = useMemo<AuthState>(() => ({
    status, me, api: theApi, session: theSession, endedReason, meProblem, reloadMe: loadMe, logIn, signUp, logOut,
  }), [status, me, theApi, theSession, endedReason, meProblem, loadMe, logIn, signUp, logOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
