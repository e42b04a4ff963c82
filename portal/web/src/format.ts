const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(value: Date | undefined | null): string {
  return value ? dateTime.format(value) : '—';
}

export function formatMib(mib: number): string {
  return mib >= 1024 ? `${+(mib / 1024).toFixed(1)} GiB` : `${mib} MiB`;
}

export function formatBytes(bytes: number): string {
  return formatMib(Math.round(bytes / (1024 * 1024)));
}

export function formatCores(millicores: number): string {
  const cores = millicores / 1000;
  return `${+cores.toFixed(2)} ${cores === 1 ? 'core' : 'cores'}`;
}
