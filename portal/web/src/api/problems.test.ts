import { describe, expect, it } from 'vitest';
import { FetchError, ResponseError } from '@berth/api';
import { fieldSentence, readProblem } from './problems';
import { json, problem } from '../test/fakeApi';

describe('readProblem', () => {
  it('reads the detail and the offending fields of a problem+json answer', async () => {
    const view = await readProblem(new ResponseError(problem(409, "the site name 'blog' is taken", [{ field: 'name', message: 'is taken' }])));
    expect(view.status).toBe(409);
    expect(view.message).toBe("The site name 'blog' is taken.");
    expect(view.fields).toEqual({ name: 'is taken' });
    expect(fieldSentence('Name', view.fields.name)).toBe('Name is taken.');
  });

  it('turns bean-validation wording into plain words', async () => {
    const view = await readProblem(new ResponseError(problem(400, 'password size must be between 12 and 256',
      [{ field: 'password', message: 'size must be between 12 and 256' }])));
    expect(fieldSentence('Password', view.fields.password)).toBe('Password must be between 12 and 256 characters long.');
  });

  it('says when to retry after a 429', async () => {
    const view = await readProblem(new ResponseError(json(429, { status: 429, title: 'Too many requests' }, { 'Retry-After': '30' })));
    expect(view.message).toBe('Too many requests. Try again in 30 seconds.');
  });

  it('quotes the correlation id of a server error', async () => {
    const view = await readProblem(new ResponseError(json(500, { status: 500, title: 'Internal server error', correlationId: 'c-42' })));
    expect(view.message).toContain('Reference: c-42');
  });

  it('says what a temporarily unavailable service waits for', async () => {
    const view = await readProblem(new ResponseError(json(503, { status: 503, title: 'The service is temporarily unavailable',
      detail: 'the host is not ready for this site yet; retry in a few seconds' })));
    expect(view.message).toBe('The host is not ready for this site yet; retry in a few seconds.');
  });

  it('explains a network failure', async () => {
    const view = await readProblem(new FetchError(new TypeError('Failed to fetch')));
    expect(view.message).toBe('Berth cannot be reached. Check your connection and try again.');
  });
});
