// Builds the agent's MSI from KeyReadyAgent.wxs with Debian's wixl, then sets with msibuild the two
// things wixl 0.101 cannot write: the HideTarget bit on the setup action (its command line carries
// ENROLL_SECRET; MsiHiddenProperties alone does not keep a formatted custom-action target out of a
// verbose log) and SecureCustomProperties for our public properties (wixl writes that row itself,
// with its upgrade properties only, so a <Property> of the same name would collide: we extend it).
// Used by installers/package.ts and by test/e2e/msi.test.ts, so the tests check what ships.
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';

export const WXS = join(import.meta.dirname, 'KeyReadyAgent.wxs');
/** WinSW 1.17 as node-windows ships it (.NET 2/4, AnyCPU); its .exe.config picks the runtime. */
export const WINSW = resolve(import.meta.dirname, '..', '..', 'node_modules', 'node-windows', 'bin', 'winsw', 'winsw.exe');
export const WINSW_CONFIG = `${WINSW}.config`;

/** The properties an admin may pass; listed in SecureCustomProperties so a managed (elevated) install passes them on. */
export const PUBLIC_PROPERTIES = ['COLLECTOR_URL', 'ENROLL_SECRET', 'CERTIFICATE_PIN', 'ALLOW_INSECURE', 'TAGS', 'KEEP_DATA'] as const;
/** The custom action whose command line holds the enrollment secret. */
export const SETUP_ACTION = 'KeyReadySetup';
const HIDE_TARGET = 0x2000;

export interface MsiInputs {
  /** package.json's version: MSI ProductVersion is major.minor.build, numbers only. */
  readonly version: string;
  readonly agentExe: string;
  readonly out: string;
  readonly winsw?: string;
  readonly winswConfig?: string;
}

export type MsiRow = Record<string, string>;

/** One table as `msiinfo export` prints it: column names, column types, key line, then tab-separated rows. */
export function msiTable(msi: string, table: string): MsiRow[] {
  const lines = execFileSync('msiinfo', ['export', msi, table], { encoding: 'utf8' }).split(/\r?\n/).filter((line) => line !== '');
  const columns = lines[0]?.split('\t') ?? [];
  return lines.slice(3).map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
  });
}

const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export function buildMsi(inputs: MsiInputs): void {
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,5}$/.test(inputs.version)) {
    throw new Error(`MSI version must be major.minor.build in numbers (got "${inputs.version}")`);
  }
  // wixl finds sources only by relative paths (from its working directory or the .wxs's folder).
  const from = dirname(WXS);
  const source = (path: string) => relative(from, resolve(path));
  execFileSync(
    'wixl',
    [
      '-a', 'x64',
      '-D', `Version=${inputs.version}`,
      '-D', `AgentExe=${source(inputs.agentExe)}`,
      '-D', `WinSW=${source(inputs.winsw ?? WINSW)}`,
      '-D', `WinSWConfig=${source(inputs.winswConfig ?? WINSW_CONFIG)}`,
      '-o', resolve(inputs.out),
      WXS,
    ],
    { cwd: from, stdio: ['ignore', 'pipe', 'pipe'] },
  );

  const setupType = Number(msiTable(inputs.out, 'CustomAction').find((row) => row.Action === SETUP_ACTION)?.Type);
  if (!Number.isInteger(setupType)) throw new Error(`${inputs.out} has no ${SETUP_ACTION} custom action`);
  const secure = msiTable(inputs.out, 'Property').find((row) => row.Property === 'SecureCustomProperties')?.Value;
  if (secure === undefined) throw new Error(`${inputs.out} has no SecureCustomProperties row (wixl writes it for MajorUpgrade)`);
  const properties = [...PUBLIC_PROPERTIES, ...secure.split(';').filter((name) => name !== '')];
  execFileSync('msibuild', [
    inputs.out,
    '-q', `UPDATE CustomAction SET Type = ${setupType | HIDE_TARGET} WHERE Action = ${sqlString(SETUP_ACTION)}`,
    '-q', `UPDATE Property SET Value = ${sqlString(properties.join(';'))} WHERE Property = 'SecureCustomProperties'`,
  ]);
}
