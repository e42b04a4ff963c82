import { useEffect, useState, type FormEvent } from 'react';
import type { Site, SiteBuild } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldProblem, formProblem, readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';

/** Common generators and where they write the site. */
export const PRESETS: { label: string; command: string; outputDirectory: string }[] = [
  { label: 'Hugo', command: 'hugo --minify', outputDirectory: 'public' },
  { label: 'Jekyll', command: 'jekyll build', outputDirectory: '_site' },
  { label: 'MkDocs', command: 'mkdocs build', outputDirectory: 'site' },
  { label: 'npm', command: 'npm run build', outputDirectory: 'dist' },
];

/**
 * A site's build step: the command every deploy runs on its files, and the folder it publishes.
 * The build runs on the site's node in a throw-away container, without network; its lines appear
 * in the deploy's log as they come.
 */
export function BuildSection({ site }: { site: Site }) {
  const api = useApi();
  const [stored, setStored] = useState<SiteBuild | null | undefined>(undefined);
  const [command, setCommand] = useState('');
  const [outputDirectory, setOutputDirectory] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.builds.getSiteBuild({ siteName: site.name }).then((loaded) => {
      if (!cancelled) {
        setStored(loaded);
        setCommand(loaded.command);
        setOutputDirectory(loaded.outputDirectory);
      }
    }, async (failure) => {
      const read = await readProblem(failure);
      if (!cancelled) {
        if (read.status === 404) {
          setStored(null);
        } else {
          setProblem(read);
        }
      }
    });
    return () => {
      cancelled = true;
    };
  }, [api, site.name]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    setProblem(null);
    setBusy(true);
    try {
      const saved = await api.builds.putSiteBuild({ siteName: site.name, siteBuild: { command, outputDirectory } });
      setStored(saved);
      setNotice('Saved. The next deploy runs the build and publishes its output folder.');
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setNotice(null);
    setProblem(null);
    setBusy(true);
    try {
      await api.builds.deleteSiteBuild({ siteName: site.name });
      setStored(null);
      setCommand('');
      setOutputDirectory('');
      setNotice('Removed. Deploys publish their files as they are again.');
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  if (stored === undefined && !problem) {
    return <p className="muted">Loading…</p>;
  }
  return (
    <>
      <p data-build={stored ? 'on' : 'off'}>
        {stored
          ? <>Every deploy runs <code>{stored.command}</code> and publishes <code>{stored.outputDirectory}/</code>.</>
          : 'Deploys publish their files as they are. Add a build step to publish what a generator makes of them.'}
      </p>
      <p className="muted">
        The build runs on the site&apos;s host in a throw-away container with Hugo, Jekyll, MkDocs, Node.js and npm, and no
        network: commit what it needs (npm packages too). Its lines appear in the deploy&apos;s log as they come; a build
        that fails keeps the live site.
      </p>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <form onSubmit={save} noValidate aria-label="Build settings">
        {formProblem(problem) ? <Notice kind="error">{formProblem(problem)}</Notice> : null}
        <div className="button-row" role="group" aria-label="Presets">
          {PRESETS.map((preset) => (
            <button key={preset.label} type="button" onClick={() => {
              setCommand(preset.command);
              setOutputDirectory(preset.outputDirectory);
            }}>{preset.label}</button>
          ))}
        </div>
        <TextField label="Build command" name="command" value={command} onChange={(event) => setCommand(event.target.value)}
          hint="Run with /bin/sh in your files, e.g. hugo --minify" error={fieldProblem(problem, 'command', 'Build command')} />
        <TextField label="Output folder" name="outputDirectory" value={outputDirectory}
          onChange={(event) => setOutputDirectory(event.target.value)}
          hint="Where the build writes the site, e.g. public" error={fieldProblem(problem, 'outputDirectory', 'Output folder')} />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save build step'}</button>
          {stored ? <button type="button" onClick={remove} disabled={busy}>Remove build step</button> : null}
        </div>
      </form>
    </>
  );
}
