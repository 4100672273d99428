// Once before every test run: build dist/ when it is older than the sources, so the tests that spawn
// the agent and the collector run what ships (bin/ runs the bundles).
import { buildIfStale } from '../../installers/build.ts';

export default async function setup(): Promise<void> {
  const built = await buildIfStale();
  if (built) console.log(`[build] dist/ rebuilt for the tests (${built.stamp.slice(0, 12)})`);
}
