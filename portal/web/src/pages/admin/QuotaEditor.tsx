import { useEffect, useState, type FormEvent } from 'react';
import type { Quota } from '@berth/api';
import { useApi } from '../../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView, formProblem } from '../../api/problems';
import { Notice } from '../../components/Notice';
import { TextField } from '../../components/TextField';

export const QUOTA_FIELDS: { key: keyof Quota; label: string; unit?: string; min: number; max: number }[] = [
  { key: 'maxSites', label: 'Sites', min: 0, max: 100000 },
  { key: 'maxRunningSites', label: 'Running sites', min: 0, max: 100000 },
  { key: 'cpuMillicores', label: 'CPU', unit: 'millicores', min: 10, max: 1024000 },
  { key: 'memoryMib', label: 'Memory', unit: 'MiB', min: 8, max: 4194304 },
  { key: 'pids', label: 'Processes', min: 8, max: 4194304 },
  { key: 'diskMib', label: 'Disk', unit: 'MiB', min: 1, max: 104857600 },
  { key: 'maxUploadMib', label: 'Largest upload', unit: 'MiB', min: 1, max: 102400 },
  { key: 'apiRequestsPerMinute', label: 'API requests', unit: 'per minute', min: 1, max: 1000000 },
];

type Draft = Record<keyof Quota, string>;

function toDraft(quota: Quota): Draft {
  return Object.fromEntries(QUOTA_FIELDS.map((field) => [field.key, String(quota[field.key])])) as Draft;
}

/**
 * Edits one tenant's quota. Reads it with its ETag and writes it back with If-Match, so a change
 * someone made meanwhile is never silently overwritten: the 412 is explained and the form reloads.
 */
export function QuotaEditor({ tenantId, tenantName, onSaved, onClose }: {
  tenantId: string;
  tenantName: string;
  onSaved(quota: Quota): void;
  onClose(): void;
}) {
  const api = useApi();
  const [etag, setEtag] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const response = await api.admin.adminGetQuotaRaw({ tenantId });
        const quota = await response.value();
        if (!cancelled) {
          setEtag(response.raw.headers.get('ETag'));
          setDraft(toDraft(quota));
        }
      } catch (failure) {
        const read = await readProblem(failure);
        if (!cancelled) {
          setProblem(read);
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, tenantId, generation]);

  const localErrors: Partial<Record<keyof Quota, string>> = {};
  if (draft) {
    for (const field of QUOTA_FIELDS) {
      const text = draft[field.key].trim();
      const value = Number(text);
      if (text === '' || !Number.isInteger(value)) {
        localErrors[field.key] = `${field.label} must be a whole number.`;
      } else if (value < field.min || value > field.max) {
        localErrors[field.key] = `${field.label} must be between ${field.min} and ${field.max}.`;
      }
    }
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (draft === null || Object.keys(localErrors).length > 0) {
      return;
    }
    setBusy(true);
    setProblem(null);
    const quota = Object.fromEntries(QUOTA_FIELDS.map((field) => [field.key, Number(draft[field.key])])) as unknown as Quota;
    try {
      const response = await api.admin.adminPutQuotaRaw({ tenantId, quota, ifMatch: etag ?? undefined });
      const saved = await response.value();
      setEtag(response.raw.headers.get('ETag'));
      setDraft(toDraft(saved));
      onSaved(saved);
    } catch (failure) {
      const read = await readProblem(failure);
      if (read.status === 412) {
        read.message = 'Someone changed this quota after you opened it. The form now shows their values; make your change again.';
        setGeneration((g) => g + 1);
      }
      setProblem(read);
    } finally {
      setBusy(false);
    }
  };

  const formLevel = formProblem(problem);
  return (
    <form className="quota-editor" onSubmit={submit} noValidate aria-label={`Quota of ${tenantName}`}>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      {draft === null ? (problem ? null : <p role="status">Loading quota…</p>) : (
        <>
          <div className="quota-grid">
            {QUOTA_FIELDS.map((field) => {
              const server = problem?.fields[field.key];
              return (
                <TextField key={field.key} label={field.unit ? `${field.label} (${field.unit})` : field.label}
                  name={field.key} inputMode="numeric" value={draft[field.key]}
                  error={localErrors[field.key] ?? (server ? fieldSentence(field.label, server) : null)}
                  onChange={(event) => setDraft({ ...draft, [field.key]: event.target.value })} />
              );
            })}
          </div>
          <div className="button-row">
            <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save quota'}</button>
            <button type="button" onClick={onClose}>Close</button>
          </div>
        </>
      )}
    </form>
  );
}
