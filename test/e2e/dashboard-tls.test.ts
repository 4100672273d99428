// The dashboard over TLS in a real Chromium. Over TLS a browser is served by the collector's front
// process (collector/front/): the page and its assets from there, the API and the live socket
// forwarded to the collector. Signing in, a PC's page and its live update all cross that path.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../../sim/fleet/reports.ts';
import { SimAgent } from '../../sim/fleet/sim-agent.ts';
import { CHROMIUM, launchChromium, signIn } from '../../sim/processes/browser.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { requireTool } from '../support/prerequisites.ts';
import { selfSignedCertificate } from '../support/certificate.ts';
import { useTmpDir } from '../support/tmp.ts';

const chromiumTool = requireTool(CHROMIUM, 'chromium');
const openssl = requireTool('openssl', 'openssl');

describe.skipIf(!chromiumTool.available || !openssl.available)('the dashboard over TLS in Chromium', () => {
  const dir = useTmpDir('keyready-e2e-tls-');
  let collector: CollectorProcess;
  let browser: Browser;
  let agent: SimAgent;

  beforeAll(async () => {
    const { cert, key } = selfSignedCertificate(openssl.path!, dir());
    collector = await startCollectorProcess({ db: `sqlite:${join(dir(), 'keyready.sqlite')}`, args: ['--tls-cert', cert, '--tls-key', key] });
    let reports = 0;
    // The second report changes a check: the PC's page must show it without a reload.
    agent = new SimAgent({
      url: collector.agentUrl,
      hostname: 'PC-TLS-LIVE-01',
      makeReport: () => makeReport({ hostname: 'PC-TLS-LIVE-01', ...(reports++ > 0 ? { statuses: { 'policy.security-key': 'unknown' } } : {}) }),
    });
    await agent.enroll(collector.enrollSecret!);
    await agent.connect();
    await agent.report();
    browser = await launchChromium(chromiumTool.path ?? CHROMIUM);
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.disconnect().catch(() => undefined);
    await collector?.stop();
  });

  it('signs in, opens a PC and follows its next report live, all over https and wss', async () => {
    // The certificate is self-signed: the browser is told to accept it, as an admin would once.
    const context = await browser.newContext({ locale: 'en-US', ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // The API answers 401 before signing in; anything else failing (a file, a forwarded call) is a fault.
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 500 || (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/api/'))) failed.push(`${response.status()} ${response.url()}`);
    });
    const first = await page.goto(collector.url);
    expect(first?.headers()['strict-transport-security']).toBe('max-age=31536000');
    await signIn(page, collector.url, collector.adminPassword ?? '');
    await page.getByRole('heading', { name: 'Fleet readiness' }).waitFor();

    await page.goto(`${collector.url}/#/device/${agent.identity!.deviceId}`);
    await expect.poll(() => page.locator('h1.hostname').textContent()).toBe('PC-TLS-LIVE-01');
    const before = await page.locator('[data-field="device.lastReport"] time').getAttribute('datetime');
    await agent.report();
    await expect.poll(() => page.locator('[data-field="device.lastReport"] time').getAttribute('datetime')).not.toBe(before);
    await page.locator('li.check[data-check="policy.security-key"]').waitFor();
    expect(failed).toEqual([]);
    await context.close();
  });
});
