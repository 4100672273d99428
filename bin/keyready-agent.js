#!/usr/bin/env node
// Runs the built agent (dist/keyready-agent.cjs, from `npm run build`): what ships is what runs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const bundle = new URL('../dist/keyready-agent.cjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('keyready-agent: dist/keyready-agent.cjs is missing: run `npm run build` first.\n');
  process.exit(2);
}
createRequire(import.meta.url)(bundle.pathname);
