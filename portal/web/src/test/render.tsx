import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { createApi } from '../api/client';
import { AuthProvider } from '../auth/AuthProvider';
import { REFRESH_TOKEN_KEY, Session } from '../auth/session';
import { OperationsProvider } from '../operations/OperationsProvider';
import { FakeApi, FakeUploadRequest, ME, json, tokenPair } from './fakeApi';

/** Renders `page` at `path` as a signed-in user, every request going to `fake`. */
export function renderSignedIn(fake: FakeApi, page: ReactNode, { path = '/', route = '*', me = ME } = {}) {
  fake.on('POST', '/auth/refresh', () => json(200, tokenPair(1)));
  fake.on('GET', '/me', () => json(200, me));
  sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
  const session = new Session({ storage: sessionStorage, fetchApi: fake.fetch });
  const api = createApi(session, { fetchApi: fake.fetch, newUploadRequest: () => new FakeUploadRequest(fake) });
  return render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider session={session} api={api}>
        <OperationsProvider>
          <Routes>
            <Route path={route} element={page} />
          </Routes>
        </OperationsProvider>
      </AuthProvider>
    </MemoryRouter>,
  );
}

/** Renders `routes` at `path` for a visitor without a session, every request going to `fake`. */
export function renderPublic(fake: FakeApi, path: string, routes: ReactNode) {
  sessionStorage.clear();
  const session = new Session({ storage: sessionStorage, fetchApi: fake.fetch });
  return render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider session={session} api={createApi(session, { fetchApi: fake.fetch })}>
        <Routes>{routes}</Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}
