import type { Site, SiteUsage } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { formatSize } from '../format';
import { LineGraph, type GraphPoint } from './LineGraph';

/** Polled a little faster than the API samples, so a new point shows soon after it exists. */
export function usagePollMs(usage: SiteUsage | undefined): number {
  const interval = usage?.sampleIntervalSeconds ?? 15;
  return Math.min(Math.max(interval * 1000, 2000), 30000);
}

export function formatMillicores(millicores: number): string {
  return millicores >= 1000 ? `${+(millicores / 1000).toFixed(2)} cores` : `${Math.round(millicores)} millicores`;
}

function formatRequests(count: number): string {
  return `${Math.round(count)} ${Math.round(count) === 1 ? 'request' : 'requests'}`;
}

function peakOr(points: GraphPoint[], fallback: number): number {
  const values = points.map((point) => point.value).filter((value): value is number => value !== null);
  return values.length === 0 ? fallback : Math.max(fallback, ...values);
}

/** How long the samples cover, in words: "45 seconds", "12 minutes". */
export function spanCovered(usage: SiteUsage): string {
  const samples = usage.samples;
  const seconds = samples.length < 2 ? 0
    : Math.round((samples[samples.length - 1].time.getTime() - samples[0].time.getTime()) / 1000);
  return seconds < 120 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
}

/** CPU, memory and requests of the site over the last hour, from the API's samples of the host. */
export function UsageGraphs({ site }: { site: Site }) {
  const api = useApi();
  const usage = usePoll(() => api.usage.getSiteUsage({ siteName: site.name }), usagePollMs, site.name);
  if (usage.data === undefined) {
    return usage.error ? <Notice kind="error">Could not load the usage figures. {usage.error.message}</Notice>
      : <p role="status">Loading…</p>;
  }
  const data = usage.data;
  const cpu: GraphPoint[] = data.samples.map((sample) => ({ time: sample.time, value: sample.cpuMillicores ?? null }));
  const memory: GraphPoint[] = data.samples.map((sample) => ({ time: sample.time, value: sample.memoryBytes ?? null }));
  const requests: GraphPoint[] = data.samples.map((sample) => ({ time: sample.time, value: sample.requests ?? null }));
  const interval = data.sampleIntervalSeconds;
  return (
    <>
      {usage.error ? <Notice kind="error">Could not refresh the usage figures. {usage.error.message}</Notice> : null}
      {data.samples.length < 2 ? (
        <p className="muted">
          The figures appear as the host reports them: a first point within {Math.max(interval, 2)} seconds of the site
          running, CPU and requests from the second one on.
        </p>
      ) : (
        <p className="muted">
          The last {spanCovered(data)}, a point every {interval} seconds. Requests and CPU are per point.
        </p>
      )}
      <div className="graphs">
        <LineGraph title="CPU" points={cpu} format={formatMillicores}
          max={data.cpuLimitMillicores ?? peakOr(cpu, 1000)}
          limitLabel={data.cpuLimitMillicores ? `limit ${formatMillicores(data.cpuLimitMillicores)}` : undefined} />
        <LineGraph title="Memory" points={memory} format={formatSize}
          max={data.memoryLimitBytes ?? peakOr(memory, 1024 * 1024)}
          limitLabel={data.memoryLimitBytes ? `limit ${formatSize(data.memoryLimitBytes)}` : undefined} />
        <LineGraph title="Requests" points={requests} format={formatRequests} max={peakOr(requests, 10)} />
      </div>
    </>
  );
}
