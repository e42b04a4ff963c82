import { DeployFromJSON, DeploysApi, FetchError, ResponseError, type Deploy } from '@berth/api';
import type { Session } from '../auth/session';

/**
 * The part of XMLHttpRequest an upload uses. fetch() reports no upload progress, so archives go
 * through XMLHttpRequest; tests give a fake that speaks this interface.
 */
export interface UploadRequest {
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null; onload: ((event: ProgressEvent) => void) | null };
  onload: ((event: ProgressEvent) => void) | null;
  onerror: ((event: ProgressEvent) => void) | null;
  onabort: ((event: ProgressEvent) => void) | null;
  readonly status: number;
  readonly responseText: string;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getAllResponseHeaders(): string;
  send(body: Blob): void;
  abort(): void;
}

export interface UploadProgress {
  loadedBytes: number;
  totalBytes: number;
}

export interface UploadOptions {
  onProgress?(progress: UploadProgress): void;
  signal?: AbortSignal;
}

/** Uploads an archive as a site's new content; resolves with the accepted deploy (202). */
export type Uploader = (siteName: string, archive: File, options?: UploadOptions) => Promise<Deploy>;

/** The media type the API expects for an archive, from its file name; null for anything else. */
export function archiveMediaType(fileName: string): 'application/zip' | 'application/gzip' | null {
  const name = fileName.toLowerCase();
  if (name.endsWith('.zip')) {
    return 'application/zip';
  }
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) {
    return 'application/gzip';
  }
  return null;
}

function parseHeaders(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      try {
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      } catch {
        // A header the Headers class refuses is of no use to the portal anyway.
      }
    }
  }
  return headers;
}

/**
 * Builds the uploader. The path and the Authorization header come from the generated client's
 * request options (so the session's token travels in a header, never in the URL); the request is
 * sent with XMLHttpRequest for its upload progress events. A 401 renews the session once and
 * uploads again, like every other request of the portal. Failures are thrown as the generated
 * client's ResponseError / FetchError, so `readProblem` reads them like any other.
 */
export function createUploader(deploys: DeploysApi, basePath: string, session: Session,
  newRequest: () => UploadRequest = () => new XMLHttpRequest()): Uploader {
  const send = (url: string, headers: Record<string, string>, archive: File, options: UploadOptions) =>
    new Promise<{ status: number; body: string; headers: Headers }>((resolve, reject) => {
      const request = newRequest();
      const abort = () => request.abort();
      if (options.signal?.aborted) {
        reject(new DOMException('The upload was cancelled.', 'AbortError'));
        return;
      }
      options.signal?.addEventListener('abort', abort, { once: true });
      const done = () => options.signal?.removeEventListener('abort', abort);
      request.open('POST', url);
      for (const [name, value] of Object.entries(headers)) {
        request.setRequestHeader(name, value);
      }
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) {
          options.onProgress?.({ loadedBytes: event.loaded, totalBytes: event.total });
        }
      };
      request.upload.onload = () => options.onProgress?.({ loadedBytes: archive.size, totalBytes: archive.size });
      request.onload = () => {
        done();
        resolve({ status: request.status, body: request.responseText, headers: parseHeaders(request.getAllResponseHeaders()) });
      };
      request.onerror = () => {
        done();
        reject(new FetchError(new TypeError('network error'), 'The upload did not reach Berth.'));
      };
      request.onabort = () => {
        done();
        reject(new DOMException('The upload was cancelled.', 'AbortError'));
      };
      request.send(archive);
    });

  return async (siteName, archive, options = {}) => {
    const mediaType = archiveMediaType(archive.name) ?? 'application/zip';
    let answer: { status: number; body: string; headers: Headers } | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      const opts = await deploys.uploadDeployRequestOpts({ siteName, body: archive });
      const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), 'Content-Type': mediaType, Accept: 'application/json' };
      answer = await send(`${basePath}${opts.path}`, headers, archive, options);
      if (answer.status !== 401 || attempt === 1) {
        break;
      }
      const rejected = (headers.Authorization ?? '').replace(/^Bearer /, '');
      if (rejected === '' || (await session.renewAfterRejection(rejected)) === null) {
        break;
      }
    }
    const { status, body, headers } = answer!;
    if (status >= 200 && status < 300) {
      return DeployFromJSON(JSON.parse(body));
    }
    if (status < 200 || status > 599) {
      throw new FetchError(new TypeError(`status ${status}`), 'The upload did not reach Berth.');
    }
    throw new ResponseError(new Response(body, { status, headers }), 'Response returned an error code');
  };
}
