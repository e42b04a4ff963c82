const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(value: Date | undefined | null): string {
  return value ? dateTime.format(value) : '—';
}

const preciseDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** With seconds: deploys a few seconds apart must read apart. */
export function formatPreciseDateTime(value: Date | undefined | null): string {
  return value ? preciseDateTime.format(value) : '—';
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

/** A size in bytes for people: "512 B", "12.3 KiB", "4.5 MiB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${+value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
