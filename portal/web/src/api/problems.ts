import { FetchError, ResponseError } from '@berth/api';

/** What went wrong, in words for people: one message for the action, and one per offending field. */
export interface ProblemView {
  status: number | null;
  /** The stable problem type URI, when the API sent one. */
  type: string | null;
  message: string;
  /** Field name (as in the request body) to a message that reads after the field's label. */
  fields: Record<string, string>;
}

interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  correlationId?: string;
  errors?: { field: string; message: string }[];
}

function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') {
    return trimmed;
  }
  const capitalised = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Bean-validation wording ("size must be between 12 and 256", 'must match "^[a-z..."') in plain words. */
export function plainFieldMessage(message: string): string {
  const size = /^size must be between (\d+) and (\d+)$/.exec(message);
  if (size) {
    return `must be between ${size[1]} and ${size[2]} characters long`;
  }
  if (message.startsWith('must match')) {
    return 'contains characters that are not allowed';
  }
  return message;
}

/**
 * A field's problem in words, or null when the field is fine: the API's message joined with the
 * field's label ({@link fieldSentence}), the form's own check (no HTTP status) as it is written.
 */
export function fieldProblem(problem: ProblemView | null, field: string, label: string): string | null {
  const message = problem?.fields[field];
  return message ? (problem?.status ? fieldSentence(label, message) : message) : null;
}

/** The problem to show above a form: the message, when no field carries it. */
export function formProblem(problem: ProblemView | null): string | null {
  return problem && Object.keys(problem.fields).length === 0 ? problem.message : null;
}

/** Joins a field's label with the API's message: "Name" + "is taken" reads "Name is taken." */
export function fieldSentence(label: string, message: string): string {
  if (/^(is|are|must|has|have|contains|should|cannot|was)\b/.test(message)) {
    return sentence(`${label} ${message}`);
  }
  return sentence(message);
}

function byStatus(status: number, retryAfter: string | null): string {
  switch (status) {
    case 401:
      return 'Your session has ended. Please log in again.';
    case 403:
      return 'You are not allowed to do this.';
    case 404:
      return 'It does not exist, or it is not yours.';
    case 429:
      return retryAfter ? `Too many requests. Try again in ${retryAfter} seconds.` : 'Too many requests. Try again shortly.';
    default:
      return status >= 500 ? 'Berth could not do this because of a server problem. Try again later.'
        : 'The request was refused.';
  }
}

/** Reads any failure of a generated client call (problem+json, other HTTP errors, network errors). */
export async function readProblem(error: unknown): Promise<ProblemView> {
  if (error instanceof ResponseError) {
    const response = error.response;
    const retryAfter = response.headers.get('Retry-After');
    let body: ProblemBody = {};
    try {
      body = (await response.clone().json()) as ProblemBody;
    } catch {
      body = {};
    }
    const fields: Record<string, string> = {};
    for (const fieldError of body.errors ?? []) {
      if (!(fieldError.field in fields)) {
        fields[fieldError.field] = plainFieldMessage(fieldError.message);
      }
    }
    let message = body.detail ? sentence(body.detail) : body.title ? sentence(body.title) : byStatus(response.status, retryAfter);
    if (response.status === 429) {
      message = byStatus(429, retryAfter);
    } else if (response.status === 503 && body.detail) {
      // "Temporarily unavailable" answers say what to wait for (the host is not ready yet, say).
      message = sentence(body.detail);
    } else if (response.status >= 500) {
      message = byStatus(response.status, null) + (body.correlationId ? ` (Reference: ${body.correlationId})` : '');
    }
    return { status: response.status, type: body.type ?? null, message, fields };
  }
  if (error instanceof FetchError || error instanceof TypeError) {
    return { status: null, type: null, message: 'Berth cannot be reached. Check your connection and try again.', fields: {} };
  }
  return { status: null, type: null, message: 'Something unexpected went wrong. Try again.', fields: {} };
}
