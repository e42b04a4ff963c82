import { useState } from 'react';

/** Copies `text` to the clipboard and says so; falls back to selecting it for a manual copy. */
export function CopyButton({ text, label = 'Copy', fallbackInputId }: { text: string; label?: string; fallbackInputId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      const input = fallbackInputId ? document.getElementById(fallbackInputId) as HTMLInputElement | null : null;
      input?.focus();
      input?.select();
      setState('manual');
    }
  };
  return (
    <>
      <button type="button" onClick={copy}>{label}</button>
      <span role="status" className="copy-status">
        {state === 'copied' ? 'Copied.' : state === 'manual' ? 'Selected: press Ctrl+C (or ⌘C) to copy.' : ''}
      </span>
    </>
  );
}
