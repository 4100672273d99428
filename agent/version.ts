import pkg from '../package.json' with { type: 'json' };

/** The agent's version is the package's: one number to bump. */
export const AGENT_VERSION: string = pkg.version;
