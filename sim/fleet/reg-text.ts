// Builds text in the exact shape `reg query "<key>" /reg:64` prints on Windows (reference/windows.md
// §6; Wine's real reg.exe prints the same, packaging.md): CRLF, a blank line, the key with its full
// hive name, then values indented 4 spaces as `name    TYPE    data`, REG_DWORD as 0x-hex.
// Windows itself cannot run here, so tests and the bundle fixtures use this to stand in for it.
import type { RegistryRaw } from '../../agent/probes/registry.ts';

export type RegSpec = Record<string, string | number>;

export function regQueryText(key: string, values: RegSpec, subkeys: string[] = []): string {
  const full = key.replace(/^HKLM\\/, 'HKEY_LOCAL_MACHINE\\');
  const lines = ['', full];
  for (const [name, data] of Object.entries(values)) {
    lines.push(typeof data === 'number' ? `    ${name}    REG_DWORD    0x${data.toString(16)}` : `    ${name}    REG_SZ    ${data}`);
  }
  lines.push('');
  for (const sub of subkeys) lines.push(`${full}\\${sub}`);
  return `${lines.join('\r\n')}\r\n`;
}

/** What reg.exe prints for a key that does not exist (Windows: stderr; Wine: stdout), exit code 1. */
export const MISSING_KEY_STDERR = 'ERROR: The system was unable to find the specified registry key or value.\r\n';

/** A registry capture: each key either has values or is missing (`null`). */
export function registryRaw(keys: Record<string, RegSpec | null>): RegistryRaw {
  return {
    queries: Object.entries(keys).map(([key, values]) =>
      values === null
        ? { key, exitCode: 1, stdout: '', stderr: MISSING_KEY_STDERR }
        : { key, exitCode: 0, stdout: regQueryText(key, values), stderr: '' },
    ),
  };
}
