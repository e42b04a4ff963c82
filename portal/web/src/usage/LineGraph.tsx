import { useId } from 'react';

export interface GraphPoint {
  time: Date;
  /** null where the figure is unknown: the line breaks there instead of inventing a value. */
  value: number | null;
}

const WIDTH = 320;
const HEIGHT = 120;

/** The SVG path of the points, scaled into the box; a gap starts a new sub-path. */
export function linePath(points: GraphPoint[], max: number, width = WIDTH, height = HEIGHT): string {
  if (points.length === 0 || max <= 0) {
    return '';
  }
  const first = points[0].time.getTime();
  const span = Math.max(points[points.length - 1].time.getTime() - first, 1);
  let path = '';
  let drawing = false;
  for (const point of points) {
    if (point.value === null) {
      drawing = false;
      continue;
    }
    const x = points.length === 1 ? width : ((point.time.getTime() - first) / span) * width;
    const y = height - (Math.min(point.value, max) / max) * height;
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
    drawing = true;
  }
  return path.trim();
}

/**
 * A small line graph with its figures in words: the SVG is an image named by the title and
 * described by a one-line summary (latest, peak), and the exact values are in a table that opens
 * on demand, so nothing is conveyed by the drawing alone.
 */
export function LineGraph({ title, points, max, format, limitLabel }: {
  title: string;
  points: GraphPoint[];
  /** The top of the scale (a limit, or the peak when there is none). */
  max: number;
  format(value: number): string;
  /** Says what the top of the scale is ("limit 64 MiB"). */
  limitLabel?: string;
}) {
  const id = useId();
  const known = points.filter((point): point is { time: Date; value: number } => point.value !== null);
  const latest = known.length > 0 ? known[known.length - 1].value : null;
  const peak = known.length > 0 ? Math.max(...known.map((point) => point.value)) : null;
  const summary = latest === null
    ? 'No figures yet.'
    : `Latest ${format(latest)}, peak ${format(peak ?? latest)}${limitLabel ? `, ${limitLabel}` : ''}.`;
  const path = linePath(points, max);
  const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
  return (
    <figure className="graph" aria-labelledby={`${id}-title`}>
      <figcaption>
        <span id={`${id}-title`} className="graph-title">{title}</span>
        <span className="graph-summary">{summary}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img"
        aria-labelledby={`${id}-title ${id}-desc`} className="graph-svg">
        <desc id={`${id}-desc`}>{summary}</desc>
        <line x1="0" y1="0.5" x2={WIDTH} y2="0.5" className="graph-limit" />
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="graph-axis" />
        {path ? <path d={path} className="graph-line" vectorEffect="non-scaling-stroke" /> : null}
      </svg>
      <div className="graph-scale muted">
        <span>{points.length > 0 ? timeFormat.format(points[0].time) : ''}</span>
        <span>top: {format(max)}</span>
        <span>{points.length > 0 ? timeFormat.format(points[points.length - 1].time) : ''}</span>
      </div>
      {known.length > 0 ? (
        <details>
          <summary>Figures of “{title}”</summary>
          <div className="table-scroll">
            <table className="compact">
              <thead><tr><th scope="col">Time</th><th scope="col">{title}</th></tr></thead>
              <tbody>
                {points.map((point) => (
                  <tr key={point.time.getTime()}>
                    <td>{timeFormat.format(point.time)}</td>
                    <td>{point.value === null ? 'unknown' : format(point.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </figure>
  );
}
