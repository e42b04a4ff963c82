import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import type { Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { VIEWER_NOTE, useCanChangeSites } from '../auth/roles';
import { allPages } from '../api/pages';
import { usePoll } from '../hooks/usePoll';
import { useOperations } from '../operations/OperationsProvider';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { StateBadge, isTransitional } from '../components/StateBadge';
import { CreateSiteForm } from './CreateSiteForm';
import { NO_RESERVED_NAMES } from '../siteName';

/** While anything is changing the list is read every 2.5 s; otherwise every 30 s. */
export const BUSY_POLL_MS = 2500;
export const IDLE_POLL_MS = 30000;

export function domainOf(site: Site): string | null {
  return site.hostname.startsWith(`${site.name}.`) ? site.hostname.slice(site.name.length + 1) : null;
}

export function SiteAddresses({ site }: { site: Site }) {
  return (
    <dl className="addresses">
      <div>
        <dt>Address</dt>
        <dd>{site.url ? <a href={site.url} target="_blank" rel="noreferrer noopener">{site.hostname}</a> : site.hostname}</dd>
      </div>
      {site.ipv4 ? <div><dt>IPv4</dt><dd><code>{site.ipv4}</code></dd></div> : null}
      {site.ipv6 ? <div><dt>IPv6</dt><dd><code>{site.ipv6}</code></dd></div> : null}
    </dl>
  );
}

const STATE_WORDS: Record<string, string> = {
  provisioning: 'being provisioned', running: 'running', stopped: 'stopped', failed: 'failed', deleting: 'being deleted',
};

/**
 * What changed between two polls, in words for screen readers ("blog is now running."); the
 * visible badges change silently, so without this a change would go unnoticed.
 */
export function describeChanges(before: Site[] | undefined, after: Site[]): string {
  if (before === undefined) {
    return '';
  }
  const previous = new Map(before.map((site) => [site.name, site.observedState]));
  const current = new Set(after.map((site) => site.name));
  const lines: string[] = [];
  for (const site of after) {
    const was = previous.get(site.name);
    if (was !== undefined && was !== site.observedState) {
      lines.push(`${site.name} is now ${STATE_WORDS[site.observedState] ?? site.observedState}.`);
    }
  }
  for (const site of before) {
    if (!current.has(site.name) && site.observedState === 'deleting') {
      lines.push(`${site.name} was deleted.`);
    }
  }
  return lines.join(' ');
}

export function SitesPage() {
  const api = useApi();
  const canChange = useCanChangeSites();
  const { bySite, settledCount } = useOperations();
  const [created, setCreated] = useState<string | null>(null);
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  const [platformDomain, setPlatformDomain] = useState<string | null>(null);
  const [reservedNames, setReservedNames] = useState<ReadonlySet<string>>(NO_RESERVED_NAMES);
  useEffect(() => {
    let cancelled = false;
    // Where new sites will live; without it the form falls back to what the existing sites show.
    api.platform.getPlatform().then((facts) => {
      if (!cancelled) {
        setPlatformDomain(facts.domain);
        setReservedNames(new Set(facts.reservedSiteNames));
      }
    }, () => undefined);
    return () => {
      cancelled = true;
    };
  }, [api]);
  const sites = usePoll(
    () => allPages((cursor) => api.sites.listSites({ cursor, limit: 200 })),
    (items) => (items?.some((site) => isTransitional(site.observedState, site.desiredState)) ? BUSY_POLL_MS : IDLE_POLL_MS),
  );
  const { reload } = sites;
  const firstSettled = useRef(settledCount);
  useEffect(() => {
    if (settledCount !== firstSettled.current) {
      reload();
    }
  }, [settledCount, reload]);

  const items = sites.data ?? [];
  const previous = useRef<Site[] | undefined>(undefined);
  const [changes, setChanges] = useState('');
  useEffect(() => {
    if (sites.data === undefined) {
      return;
    }
    const said = describeChanges(previous.current, sites.data);
    if (said !== '') {
      setChanges(said);
    }
    previous.current = sites.data;
  }, [sites.data]);
  const domain = platformDomain ?? items.map(domainOf).find((d) => d !== null) ?? null;
  return (
    <section>
      <PageHeading title="Sites">Sites</PageHeading>
      {!canChange ? <p>{VIEWER_NOTE}</p> : <CreateSiteForm existing={items} domain={domain} reserved={reservedNames} onCreated={(site) => {
        setCreated(site.name);
        reload();
      }} />}
      {notice && !created ? <Notice kind="success">{notice}</Notice> : null}
      {created ? <Notice kind="success">Site {created} created. It is being provisioned; this list follows it.</Notice> : null}
      {sites.error ? <Notice kind="error">Could not load your sites. {sites.error.message}</Notice> : null}
      <h2>Your sites</h2>
      <div className="visually-hidden" role="status" aria-live="polite">{changes}</div>
      {sites.loading ? <p role="status">Loading…</p> : null}
      {!sites.loading && items.length === 0 && !sites.error ? <p>{canChange ? 'You have no site yet. Create one above.' : 'Your team has no site yet.'}</p> : null}
      <ul className="site-list" aria-label="Your sites">
        {items.map((site) => {
          const tracked = bySite[site.name];
          const running = tracked && (tracked.operation.status === 'pending' || tracked.operation.status === 'running');
          return (
            <li key={site.name} className="site-card" data-site={site.name}>
              <div className="site-card-head">
                <h3><Link to={`/sites/${encodeURIComponent(site.name)}`}>{site.name}</Link></h3>
                <StateBadge observed={site.observedState} desired={site.desiredState} />
              </div>
              {site.previewOf ? (
                <p className="muted" data-preview-of={site.previewOf.site}>
                  Preview of <Link to={`/sites/${encodeURIComponent(site.previewOf.site)}`}>{site.previewOf.site}</Link>,
                  branch <code>{site.previewOf.branch}</code>
                </p>
              ) : null}
              <SiteAddresses site={site} />
              {running ? <p className="op-line" aria-live="off">{tracked.label}…</p> : null}
              {site.lastError ? <p className="last-error">Last error: {site.lastError}</p> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
