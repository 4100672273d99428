// `npm run demo`: a collector with its dashboard on a fresh SQLite file, and a simulated fleet of
// agents speaking the real protocol to it, labelled as demo data in the dashboard.
//   npm run demo [-- --agents 250 --port 8080 --data-dir ./data-demo --seed 1]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { buildIfStale } from '../installers/build.ts';
import { launchChromium, signIn } from '../sim/processes/browser.ts';
import { startCollectorProcess } from '../sim/processes/collector-process.ts';
import { DemoFleet } from './fleet.ts';
import { errorText } from '../protocol/error-text.ts';

const Options = z.object({
  agents: z.coerce.number().int().min(1).max(20_000).default(250),
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  'data-dir': z.string().min(1).optional(),
  seed: z.coerce.number().int().default(1),
  'change-every-ms': z.coerce.number().int().min(100).max(600_000).default(2_000),
  /** Take a screenshot of the overview into this PNG file, then stop (how docs/screenshot-overview.png is made). */
  screenshot: z.string().min(1).optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      seed: { type: 'string' },
      'change-every-ms': { type: 'string' },
      screenshot: { type: 'string' },
    },
  });
  const parsed = Options.safeParse(values);
  if (!parsed.success) throw new Error(`bad option: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const options = parsed.data;
  // Without --data-dir every run starts from an empty fleet in a temporary folder, removed on exit.
  const temporary = options['data-dir'] === undefined;
  const dataDir = temporary ? await mkdtemp(join(tmpdir(), 'keyready-demo-')) : resolve(options['data-dir'] ?? '.');
  const cleanUp = async () => {
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };
  const enrollSecret = 'demo-enrollment-secret-not-for-production';

  // The collector process runs the built bundle and serves the built dashboard (dist/).
  if (await buildIfStale()) console.log('Built dist/ (collector, dashboard).');
  const collector = await startCollectorProcess({
    db: `sqlite:${join(dataDir, 'keyready-demo.sqlite')}`,
    // The whole simulated fleet connects from one address: lift the per-address connection rate.
    args: ['--port', String(options.port), '--enroll-secret', enrollSecret, '--connect-rate', '10000', '--demo', 'true'],
    env: { KEYREADY_LOG_LEVEL: 'warn' },
  });
  console.log(`Starting ${options.agents} simulated agents…`);
  const fleet = new DemoFleet({
    agentUrl: collector.agentUrl,
    enrollSecret,
    size: options.agents,
    seed: options.seed,
    changeEveryMs: options['change-every-ms'],
    log: (line) => console.warn(line),
  });
  await fleet.start();

  console.log('');
  console.log('KeyReady demo is running (simulated fleet, labelled as demo data)');
  console.log(`  Dashboard:  ${collector.url}/`);
  console.log(`  Login:      admin / ${collector.adminPassword ?? '(set on an earlier run of this data dir)'}`);
  console.log(`  Agents:     ${options.agents} connections speaking keyready.v1, one PC changing every ${options['change-every-ms']} ms`);
  console.log(`  Data:       ${dataDir}${temporary ? ' (temporary: removed on exit; --data-dir DIR keeps it)' : ''}`);
  console.log('  Ctrl-C stops it.');

  if (options.screenshot) {
    await screenshotOverview(collector.url, collector.adminPassword, resolve(options.screenshot));
    console.log(`  Screenshot: ${resolve(options.screenshot)}`);
    await fleet.stop();
    await collector.stop();
    await cleanUp();
    return;
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await fleet.stop();
    await collector.stop();
    await cleanUp();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  void collector.exited.then(({ code }) => {
    if (!stopping) {
      console.error(`the collector exited (${code}); stopping the demo`);
      process.exit(1);
    }
  });
}

async function screenshotOverview(url: string, password: string | null, file: string): Promise<void> {
  if (!password) throw new Error('--screenshot needs a fresh data dir (the admin password is printed on first start only)');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
    await signIn(page, url, password);
    await page.locator('[data-tile="total"]').waitFor();
    await page.locator('.bars a').first().waitFor();
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(`demo: ${errorText(error)}`);
  process.exit(1);
});
