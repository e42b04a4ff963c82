import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

/**
 * Asks to type the site's name before deleting it. Opens in place (no modal to trap focus in),
 * takes the focus when opened and gives it back to the opening button when cancelled.
 */
export function ConfirmDelete({ siteName, busy, onConfirm }: { siteName: string; busy: boolean; onConfirm(): void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const opener = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => {
    if (open) {
      input.current?.focus();
    }
  }, [open]);
  const cancel = () => {
    setOpen(false);
    setTyped('');
    setTimeout(() => opener.current?.focus(), 0);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed === siteName) {
      onConfirm();
    }
  };
  if (!open) {
    return <button ref={opener} type="button" className="danger" onClick={() => setOpen(true)} disabled={busy}>Delete site…</button>;
  }
  return (
    <form className="confirm" onSubmit={submit} onKeyDown={(event) => event.key === 'Escape' && cancel()}
      aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`}><strong>Delete {siteName}?</strong> Its container, addresses and content are removed. This cannot be undone.</p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Type <strong>{siteName}</strong> to confirm</label>
        <input id={`${id}-name`} ref={input} value={typed} autoComplete="off" autoCapitalize="none" spellCheck={false}
          onChange={(event) => setTyped(event.target.value)} />
      </div>
      <div className="button-row">
        <button type="submit" className="danger" disabled={typed !== siteName || busy}>Delete {siteName}</button>
        <button type="button" onClick={cancel}>Cancel</button>
      </div>
    </form>
  );
}
