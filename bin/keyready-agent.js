#!/usr/bin/env node
// Runs the TypeScript sources directly in the repo; the packaged agent is a bundled build instead.
import { register } from 'tsx/esm/api';
register();
await import('../agent/cli.ts');
