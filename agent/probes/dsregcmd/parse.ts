// Parses `dsregcmd /status` text into sections of (key, value) entries. Pure and total: any string
// gives a result; the caller decides whether enough was recognised. Format rules (with the captures
// that show them) are in test/fixtures/dsregcmd/SOURCES.md.

export interface DsregEntry {
  readonly key: string;
  readonly value: string;
}

export interface DsregSection {
  readonly name: string;
  readonly entries: DsregEntry[];
}

export interface DsregParse {
  readonly sections: DsregSection[];
  /** Lines that were neither a banner nor an entry (prompts, progress messages, trailer). */
  readonly noise: string[];
}

const BORDER = /^\s*\+-{3,}\+?\s*$/;
// `| Device State      |`; the closing bar is missing in a paste cut short.
const TITLE = /^\s*\|\s*([^|]*?)\s*\|?\s*$/;
// A label is a few words (dsregcmd's are ASCII even on localized Windows); anything else with a
// colon (a prompt `C:\>`, a URL, a sentence) is not an entry.
const LABEL = /^[A-Za-z][A-Za-z0-9 ._()/-]{0,63}$/;
const PROMPT = /^\s*(?:PS\s+)?[A-Za-z]:\\.*>|^\s*\$\s/;
const NOISE = [/^\s*Waiting for /i, /^\s*For more information/i];

function entryOf(line: string): DsregEntry | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  const key = line.slice(0, colon).trim();
  if (!LABEL.test(key)) return null;
  return { key, value: line.slice(colon + 1).trim() };
}

export function parseDsregcmd(text: string): DsregParse {
  const lines = text.split(/\r\n|\n|\r/);
  const sections: DsregSection[] = [];
  const noise: string[] = [];
  let current: DsregSection | null = null;
  // The entry a wrapped line continues: only the line directly above, never across a blank line.
  let last: { section: DsregSection; index: number } | null = null;
  let afterBorder = false;

  for (const line of lines) {
    if (BORDER.test(line)) {
      afterBorder = true;
      last = null;
      continue;
    }
    if (line.trim().length === 0) {
      last = null;
      continue;
    }
    const title = afterBorder ? TITLE.exec(line) : null;
    afterBorder = false;
    if (title && title[1] !== undefined && title[1].length > 0) {
      current = { name: title[1], entries: [] };
      sections.push(current);
      last = null;
      continue;
    }
    if (PROMPT.test(line) || NOISE.some((re) => re.test(line)) || current === null) {
      noise.push(line);
      last = null;
      continue;
    }
    const entry = entryOf(line);
    if (entry) {
      current.entries.push(entry);
      last = { section: current, index: current.entries.length - 1 };
      continue;
    }
    const previous = last ? last.section.entries[last.index] : undefined;
    if (last && previous && previous.value.length > 0) {
      // The console wrapped a long value (a server message, a URL) onto the next line.
      last.section.entries[last.index] = { key: previous.key, value: `${previous.value} ${line.trim()}` };
      continue;
    }
    noise.push(line);
  }
  return { sections, noise };
}

const norm = (s: string) => s.replace(/\s+/g, '').toLowerCase();

/**
 * The value of `key` in the first of `sections` (in that order of preference) that has it. Keys are
 * matched case-insensitively and ignoring spaces, since pastes and Windows versions vary both.
 */
export function lookup(parse: DsregParse, key: string, sections: readonly string[]): string | null {
  const wanted = norm(key);
  for (const name of sections) {
    for (const section of parse.sections) {
      if (norm(section.name) !== norm(name)) continue;
      const found = section.entries.find((e) => norm(e.key) === wanted);
      if (found) return found.value;
    }
  }
  return null;
}

export function entriesOf(parse: DsregParse, section: string): DsregEntry[] {
  return parse.sections.filter((s) => norm(s.name) === norm(section)).flatMap((s) => s.entries);
}
