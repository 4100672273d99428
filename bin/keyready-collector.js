#!/usr/bin/env node
// Runs the TypeScript sources directly in the repo.
import { register } from 'tsx/esm/api';
register();
await import('../collector/cli.ts');
