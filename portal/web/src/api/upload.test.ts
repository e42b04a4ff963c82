import { describe, expect, it } from 'vitest';
import { ResponseError } from '@berth/api';
import { createApi } from './client';
import { readProblem } from './problems';
import { archiveMediaType } from './upload';
import { REFRESH_TOKEN_KEY, Session } from '../auth/session';
import { FakeApi, FakeUploadRequest, deploy, json, problem, tokenPair } from '../test/fakeApi';

const ID = '33333333-3333-3333-3333-333333333333';

function apiOn(fake: FakeApi) {
  sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
  const session = new Session({ storage: sessionStorage, fetchApi: fake.fetch });
  return createApi(session, { fetchApi: fake.fetch, newUploadRequest: () => new FakeUploadRequest(fake) });
}

describe('upload', () => {
  it('knows the media type of each archive the API takes', () => {
    expect(archiveMediaType('site.zip')).toBe('application/zip');
    expect(archiveMediaType('SITE.TAR.GZ')).toBe('application/gzip');
    expect(archiveMediaType('site.tgz')).toBe('application/gzip');
    expect(archiveMediaType('site.tar')).toBeNull();
  });

  it('reports progress up to every byte and resolves with the accepted deploy', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(1)))
      .on('POST', '/sites/blog/deploys', () => json(202, deploy(ID, { status: 'installing' })));
    const seen: number[] = [];
    const accepted = await apiOn(fake).upload('blog', new File([new Uint8Array(1000)], 'site.zip'),
      { onProgress: (progress) => seen.push(progress.loadedBytes) });
    expect(accepted.id).toBe(ID);
    expect(accepted.status).toBe('installing');
    expect(seen).toContain(500);
    expect(seen[seen.length - 1]).toBe(1000);
  });

  it('renews the session once and uploads again when the API answers 401', async () => {
    let rotations = 0;
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(++rotations)))
      .on('POST', '/sites/blog/deploys', (request) => (request.headers.get('Authorization') === 'Bearer access-1'
        ? problem(401, 'the token is invalid, expired or revoked') : json(202, deploy(ID))));
    await expect(apiOn(fake).upload('blog', new File(['x'], 'site.zip'))).resolves.toMatchObject({ id: ID });
    expect(fake.sent('POST', '/sites/blog/deploys').map((r) => r.headers.get('Authorization'))).toEqual(['Bearer access-1', 'Bearer access-2']);
  });

  it('throws problems like the generated client does, so they read the same', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(1)))
      .on('POST', '/sites/blog/deploys', () => json(422, { type: 'https://berth.dev/problems/content-refused', status: 422,
        title: 'The content breaks a rule and was not deployed', detail: 'the archive has no entries' }));
    const failure = await apiOn(fake).upload('blog', new File(['x'], 'site.zip')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ResponseError);
    const view = await readProblem(failure);
    expect(view).toMatchObject({ status: 422, type: 'https://berth.dev/problems/content-refused', message: 'The archive has no entries.' });
  });
});
