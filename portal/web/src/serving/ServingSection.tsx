import { useState, type FormEvent } from 'react';
import type { Site, SiteServing } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { formProblem, readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';

/** The site's serving switches in one sentence. */
export function servingText(serving: SiteServing | undefined): string {
  const spa = serving?.spa ?? false;
  const clean = serving?.cleanUrls ?? false;
  if (!spa && !clean) {
    return 'Files are served as they are: a path without a file answers 404 (or your 404.html).';
  }
  const parts: string[] = [];
  if (clean) {
    parts.push('/about serves about.html');
  }
  if (spa) {
    parts.push('a path without a file serves /index.html');
  }
  return `${parts.join('; ')}.`.replace(/^./, (first) => first.toUpperCase());
}

/**
 * A site's serving settings: the SPA fallback and clean URLs switches, applied by the proxy within
 * seconds. The content's own rules (_redirects, _headers, 404.html) come with each deploy.
 */
export function ServingSection({ site, onChanged }: { site: Site; onChanged(): void }) {
  const api = useApi();
  const [spa, setSpa] = useState(site.serving?.spa ?? false);
  const [cleanUrls, setCleanUrls] = useState(site.serving?.cleanUrls ?? false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    setProblem(null);
    setBusy(true);
    try {
      const saved = await api.serving.putSiteServing({ siteName: site.name, siteServing: { spa, cleanUrls } });
      setNotice(`Saved. ${servingText(saved)} It takes effect within seconds.`);
      onChanged();
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p data-serving={site.serving?.spa || site.serving?.cleanUrls ? 'switched' : 'plain'}>{servingText(site.serving)}</p>
      <p className="muted">
        Redirects, rewrites and headers come with your content: put <code>_redirects</code> and <code>_headers</code> files
        (Netlify&apos;s syntax) and a <code>404.html</code> at its root. A bad rule fails the deploy and names its line.
      </p>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <form onSubmit={save} noValidate aria-label="Serving settings">
        {formProblem(problem) ? <Notice kind="error">{formProblem(problem)}</Notice> : null}
        <label className="check">
          <input type="checkbox" name="spa" checked={spa} onChange={(event) => setSpa(event.target.checked)} />
          {' '}Single-page app: serve /index.html for paths without a file
        </label>
        <label className="check">
          <input type="checkbox" name="cleanUrls" checked={cleanUrls} onChange={(event) => setCleanUrls(event.target.checked)} />
          {' '}Clean URLs: /about serves about.html, /about.html redirects to /about
        </label>
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save serving settings'}</button>
        </div>
      </form>
    </>
  );
}
