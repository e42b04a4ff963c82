import type { EventType } from '@berth/api';

/** Every event an endpoint or a member can subscribe to, with the words the portal shows for it. */
export const EVENT_TYPES: { type: EventType; label: string }[] = [
  { type: 'site.created', label: 'Site created' },
  { type: 'site.started', label: 'Site running' },
  { type: 'site.stopped', label: 'Site stopped' },
  { type: 'site.deleted', label: 'Site deleted' },
  { type: 'site.failed', label: 'Site failed' },
  { type: 'deploy.live', label: 'Deploy live' },
  { type: 'deploy.failed', label: 'Deploy failed' },
  { type: 'certificate.issued', label: 'Certificate issued' },
  { type: 'certificate.failed', label: 'Certificate failed' },
  { type: 'certificate.expiring', label: 'Certificate expiring' },
  { type: 'quota.near', label: 'Quota at 80%' },
];

/** A fieldset of one checkbox per event type. */
export function EventTypeChoice({ legend, chosen, onChange, error, name }: {
  legend: string;
  chosen: EventType[];
  onChange(next: EventType[]): void;
  error?: string | null;
  name: string;
}) {
  const toggle = (type: EventType) => onChange(chosen.includes(type) ? chosen.filter((t) => t !== type) : [...chosen, type]);
  return (
    <fieldset className={`event-types${error ? ' field-invalid' : ''}`}>
      <legend>{legend}</legend>
      {EVENT_TYPES.map(({ type, label }) => (
        <label key={type} className="check">
          <input type="checkbox" name={name} value={type} checked={chosen.includes(type)} onChange={() => toggle(type)} /> {label}{' '}
          <code>{type}</code>
        </label>
      ))}
      {error ? <div className="field-error">{error}</div> : null}
    </fieldset>
  );
}
