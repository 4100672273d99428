// `keyready-agent run --collector URL [--enroll-secret S] [--config FILE] [--allow-insecure] [--from DIR | --dsregcmd FILE]`:
// the service mode. Reads the configuration, then reports until stopped (SIGINT/SIGTERM).
import { readFileSync } from 'node:fs';
import { ConfigError, defaultConfigPath, readConfigFile, requireSecureCollector, resolveConfig, type AgentConfig } from '../config.ts';
import { parsePin } from '../link/tls.ts';
import { createLog } from '../log.ts';
import { runService, stopSignal } from '../service/service.ts';
import { watchLiveKeys } from '../service/key-watch.ts';
import { serviceSource } from '../service/source.ts';
import { AgentError } from '../errors.ts';
import { errorText } from '../../protocol/error-text.ts';
import { AGENT_VERSION } from '../version.ts';
import { STDIN } from '../report/engine.ts';
import { type Command, type OptionValues } from './context.ts';
import { SOURCE_OPTIONS, sourceFromFlags } from './source-flags.ts';

const text = (values: OptionValues, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

function loadConfig(values: OptionValues, dataDir: string): AgentConfig {
  const explicit = text(values, 'config');
  let config: AgentConfig;
  try {
    const file = readConfigFile(explicit ?? defaultConfigPath(dataDir), explicit !== undefined);
    config = resolveConfig(file, {
      collector: text(values, 'collector'),
      enrollSecret: text(values, 'enroll-secret'),
      caFile: text(values, 'ca-file'),
      certificatePin: text(values, 'certificate-pin'),
      ...(values['allow-insecure'] === true ? { allowInsecure: true } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new AgentError({ key: 'cli.bad-config', params: { message: error.message } });
    throw error;
  }
  requireSecureCollector(config, '--allow-insecure (or "allowInsecure": true in agent.json; the MSI: ALLOW_INSECURE=1)');
  return config;
}

export const run: Command = {
  options: {
    ...SOURCE_OPTIONS,
    collector: { type: 'string' },
    'enroll-secret': { type: 'string' },
    config: { type: 'string' },
    'ca-file': { type: 'string' },
    'certificate-pin': { type: 'string' },
    'allow-insecure': { type: 'boolean' },
  },
  async run(values, globals) {
    const source = sourceFromFlags(values, globals);
    // The service reads its source again for every report; standard input can be read only once.
    if (source.kind === 'dsregcmd-file' && source.file === STDIN) throw new AgentError({ key: 'cli.run-stdin', params: {} });
    const config = loadConfig(values, globals.dataDir);
    let ca: Buffer | undefined;
    if (config.caFile) {
      try {
        ca = readFileSync(config.caFile);
      } catch (error) {
        throw new AgentError({ key: 'cli.bad-config', params: { message: `cannot read caFile ${config.caFile}: ${errorText(error)}` } });
      }
    }
    const secrets = new Set<string>();
    const log = createLog({
      dataDir: globals.dataDir,
      level: config.log.level,
      maxFileBytes: config.log.maxFileBytes,
      maxFiles: config.log.maxFiles,
      console: process.stderr.isTTY === true,
      secrets,
    });
    const keys = source.kind === 'live' ? await watchLiveKeys(globals.hidUdp, log) : null;
    try {
      await runService({
        config,
        dataDir: globals.dataDir,
        agentVersion: AGENT_VERSION,
        source: serviceSource({ source: keys?.source ?? source, lang: globals.lang, agentVersion: AGENT_VERSION, dataDir: globals.dataDir }),
        ...(keys ? { watchKeys: keys.subscribe } : {}),
        ...(ca ? { ca } : {}),
        ...(config.certificatePin ? { pin: parsePin(config.certificatePin) } : {}),
        log,
        secrets,
        stopSignal: stopSignal(),
      });
    } catch (error) {
      log.error('agent service failed', { error: errorText(error) });
      throw error;
    } finally {
      await keys?.stop();
      await new Promise<void>((resolve) => {
        log.on('finish', () => resolve());
        log.end();
        setTimeout(resolve, 1_000);
      });
    }
    return 0;
  },
};
