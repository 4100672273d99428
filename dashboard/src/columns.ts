// The PC list's column choice, remembered in this browser (localStorage) across visits and reloads.
const STORAGE_KEY = 'keyready.columns';

/** The stored choice, keeping only ids still offered (a newer or older dashboard may differ); `fallback` when none is stored or it is unreadable. */
export function parseColumns(stored: string | null, offered: readonly string[], fallback: readonly string[]): string[] {
  if (stored === null) return [...fallback];
  try {
    const value: unknown = JSON.parse(stored);
    if (!Array.isArray(value)) return [...fallback];
    return offered.filter((id) => value.includes(id));
  } catch {
    return [...fallback];
  }
}

export function loadColumns(offered: readonly string[], fallback: readonly string[]): string[] {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage disabled by policy: the default columns.
  }
  return parseColumns(stored, offered, fallback);
}

export function saveColumns(chosen: readonly string[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(chosen));
  } catch {
    // Not remembered, but the choice still applies on this page.
  }
}
