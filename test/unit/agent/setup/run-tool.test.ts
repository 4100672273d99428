// Setup's Windows tools (agent/setup/run-tool.ts): a tool the OS could not start is tried again; a
// missing tool or one that ran and failed is not. The exec here is a stand-in: real runs of icacls,
// schtasks and sc are in the MSI-under-Wine test.
import { describe, expect, it } from 'vitest';
import { TOOL_ATTEMPTS, runTool, type ToolExec } from '../../../../agent/setup/run-tool.ts';

/** An exec failing with these errors in turn, then succeeding; counts its calls. */
function execFailing(...errors: object[]): ToolExec & { calls: number } {
  const exec = Object.assign(
    () => {
      const error = errors[exec.calls++];
      if (error) throw Object.assign(new Error('failed'), error);
    },
    { calls: 0 },
  );
  return exec;
}
const noPause = () => {};

describe('runTool', () => {
  it('tries a tool the OS could not start again, and succeeds when it starts', () => {
    const exec = execFailing({ code: 'UNKNOWN' }, { code: 'EAGAIN' });
    expect(runTool('schtasks', ['/Create'], exec, noPause)).toEqual({ ok: true });
    expect(exec.calls).toBe(3);
  });

  it(`gives up after ${TOOL_ATTEMPTS} attempts, saying why`, () => {
    const exec = execFailing(...Array.from({ length: TOOL_ATTEMPTS + 1 }, () => ({ code: 'UNKNOWN', message: 'spawnSync schtasks UNKNOWN' })));
    expect(runTool('schtasks', ['/Create'], exec, noPause)).toEqual({ ok: false, status: null, message: 'spawnSync schtasks UNKNOWN' });
    expect(exec.calls).toBe(TOOL_ATTEMPTS);
  });

  it('does not repeat a tool that ran and failed, or one that is not there', () => {
    const ran = execFailing({ status: 1, stdout: Buffer.from('ERROR: Access is denied.\r\n') });
    expect(runTool('schtasks', ['/Create'], ran, noPause)).toEqual({ ok: false, status: 1, message: 'ERROR: Access is denied.' });
    expect(ran.calls).toBe(1);
    const missing = execFailing({ code: 'ENOENT' });
    expect(runTool('icacls', [], missing, noPause)).toMatchObject({ ok: false, status: null });
    expect(missing.calls).toBe(1);
  });
});
