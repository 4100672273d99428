// The dsregcmd source: `dsregcmd /status` run live, or a saved output, as text; parse/derive turn it into facts.
import { decodeText } from './text.ts';
import { runTool } from './run.ts';
import { failed, SOURCE_OK, sourceState, type Capture, type Decoded, type Probe } from './source.ts';
import { parseDsregcmd } from './dsregcmd/parse.ts';
import { deriveDsregFacts, type DsregFacts } from './dsregcmd/derive.ts';

const TIMEOUT_MS = 30_000;

export async function captureDsregcmd(platform: NodeJS.Platform = process.platform): Promise<Capture<string>> {
  if (platform !== 'win32') {
    return { state: sourceState('unsupported', { key: 'reason.dsregcmd.not-windows', params: { platform } }), raw: null };
  }
  const result = await runTool('dsregcmd', ['/status'], TIMEOUT_MS);
  switch (result.kind) {
    case 'missing':
      return { state: sourceState('error', { key: 'reason.dsregcmd.missing', params: {} }), raw: null };
    case 'timeout':
      return { state: sourceState('error', { key: 'reason.dsregcmd.timeout', params: { seconds: TIMEOUT_MS / 1000 } }), raw: null };
    case 'failed':
      return { state: sourceState('error', failed(result.message)), raw: null };
    case 'exited': {
      const decoded = decodeDsregcmd(result.stdout);
      return decoded.ok ? { state: SOURCE_OK, raw: decoded.raw } : { state: sourceState('error', decoded.reason), raw: null };
    }
  }
}

export function decodeDsregcmd(bytes: Buffer): Decoded<string> {
  const decoded = decodeText(bytes, 'dsregcmd output');
  return decoded.ok ? { ok: true, raw: decoded.text } : decoded;
}

export function interpretDsregcmd(raw: string): DsregFacts {
  return deriveDsregFacts(parseDsregcmd(raw), raw);
}

export const dsregcmdProbe: Probe<string> = {
  file: 'dsregcmd-status.txt',
  serialize: (raw) => raw,
  deserialize: decodeDsregcmd,
};
