import type { UploadRequest } from '../api/upload';

/**
 * A fake of the Berth API for component tests: a `fetch` that answers from a route table and
 * records every request. A fake, not a mock: tests assert on what was sent and what is shown.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}

export function problem(status: number, detail: string, errors?: { field: string; message: string }[]): Response {
  return json(status, { type: `https://berth.dev/problems/x`, title: 'Problem', status, detail, errors });
}

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  /** While set, uploads pause at half way (so a test can see the progress bar move). */
  uploadPause: Promise<void> | null = null;
  private readonly routes: { method: string; path: string | RegExp; handler: Handler }[] = [];

  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input.toString(), 'http://portal.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/api\/v1/, '') + url.search;
    let body: unknown = undefined;
    if (typeof init?.body === 'string') {
      body = JSON.parse(init.body);
    } else if (init?.body !== undefined && init.body !== null) {
      body = init.body;
    }
    const request = { method, path, headers: new Headers(init?.headers), body };
    this.requests.push(request);
    const route = this.routes.find((candidate) => candidate.method === method
      && (typeof candidate.path === 'string' ? candidate.path === path.split('?')[0] : candidate.path.test(path)));
    if (!route) {
      return problem(404, `no fake route for ${method} ${path}`);
    }
    return route.handler(request);
  };

  sent(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path.startsWith(pathPrefix));
  }
}

export const ME = {
  userId: '00000000-0000-0000-0000-000000000001',
  email: 'ada@example.com',
  tenantId: '00000000-0000-0000-0000-0000000000aa',
  tenantName: 'ada',
  role: 'owner',
  platformAdmin: false,
  emailVerified: true,
  emailVerificationRequired: false,
};

export function tokenPair(n: number, expiresIn = 900) {
  return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresIn, tokenType: 'Bearer' };
}

export function site(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    hostname: `${name}.berth.test`,
    url: `http://${name}.berth.test`,
    tenantId: ME.tenantId,
    tenantName: 'ada',
    ipv4: '10.1.1.1',
    ipv6: 'fd00:1::1',
    desiredState: 'running',
    observedState: 'running',
    createdAt: '2026-11-29T10:00:00Z',
    updatedAt: '2026-11-29T10:00:00Z',
    ...overrides,
  };
}

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * A fake XMLHttpRequest for uploads: reports upload progress at half way and at the end, then
 * answers from the FakeApi's route table (which records the request like any other).
 */
export class FakeUploadRequest implements UploadRequest {
  readonly upload: UploadRequest['upload'] = { onprogress: null, onload: null };
  onload: UploadRequest['onload'] = null;
  onerror: UploadRequest['onerror'] = null;
  onabort: UploadRequest['onabort'] = null;
  status = 0;
  responseText = '';
  private method = '';
  private url = '';
  private readonly headers: Record<string, string> = {};
  private responseHeaders = '';
  private aborted = false;

  constructor(private readonly fake: FakeApi) {}

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  getAllResponseHeaders(): string {
    return this.responseHeaders;
  }

  send(body: Blob): void {
    void this.run(body);
  }

  abort(): void {
    this.aborted = true;
    this.onabort?.(new ProgressEvent('abort'));
  }

  private async run(body: Blob): Promise<void> {
    const total = body.size;
    await nextTask();
    this.upload.onprogress?.(new ProgressEvent('progress', { lengthComputable: true, loaded: Math.floor(total / 2), total }));
    if (this.fake.uploadPause) {
      await this.fake.uploadPause;
    }
    await nextTask();
    if (this.aborted) {
      return;
    }
    this.upload.onprogress?.(new ProgressEvent('progress', { lengthComputable: true, loaded: total, total }));
    this.upload.onload?.(new ProgressEvent('load'));
    const response = await this.fake.fetch(this.url, { method: this.method, headers: this.headers, body });
    this.status = response.status;
    this.responseText = await response.text();
    this.responseHeaders = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\r\n');
    this.onload?.(new ProgressEvent('load'));
  }
}

export function deploy(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    site: 'blog',
    source: 'upload',
    status: 'live',
    live: false,
    bytes: 2048,
    files: 3,
    log: ['2026-11-29T10:00:00Z receiving application/zip upload'],
    createdAt: '2026-11-29T10:00:00Z',
    updatedAt: '2026-11-29T10:00:00Z',
    ...overrides,
  };
}
