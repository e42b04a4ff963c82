/** Usage against a limit as a bar, with the figures in words for everyone. */
export function UsageBar({ label, used, limit, format = String }: {
  label: string;
  used: number;
  limit: number;
  format?: (value: number) => string;
}) {
  const ratio = limit > 0 ? Math.min(used / limit, 1) : 1;
  const level = ratio >= 0.9 ? 'high' : ratio >= 0.7 ? 'medium' : 'low';
  const text = `${format(used)} of ${format(limit)}`;
  return (
    <div className="usage">
      <div className="usage-label">
        <span>{label}</span>
        <span>{text}</span>
      </div>
      <div
        className={`usage-bar usage-${level}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        aria-valuetext={text}
      >
        <div className="usage-fill" style={{ width: `${Math.round(ratio * 100)}%` }} />
      </div>
    </div>
  );
}
