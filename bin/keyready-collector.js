#!/usr/bin/env node
// Runs the built collector (dist/keyready-collector.mjs, from `npm run build`; `npm start` builds it when stale).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/keyready-collector.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('keyready-collector: dist/keyready-collector.mjs is missing: run `npm run build` first (`npm start` does it for you).\n');
  process.exit(2);
}
await import(bundle.href);
