// `keyready-agent keys [--json] [--watch] [--lang en|ja] [--hid-udp HOST:PORT]`: lists the FIDO keys
// on this PC with their model, enrollment state (guide step 2) and what to do next, or watches them
// come and go. Exit 0 when a usable key is plugged in, 1 when none is, 2 when HID cannot be listed.
import type { KeyFacts, Lang } from '../../protocol/report.ts';
import { t } from '../../protocol/i18n/index.ts';
import { scanKeys } from '../fido/scanner.ts';
import { watchKeys, type KeyEvent } from '../fido/watch.ts';
import { selectHidBackend } from '../fido/backend.ts';
import type { HidBackend } from '../fido/transport/types.ts';
import { EXIT_ERROR, EXIT_NOT_READY, EXIT_READY, type Command, type Output } from './context.ts';
import { errorText } from '../../protocol/error-text.ts';

export interface KeysOptions {
  readonly json: boolean;
  readonly watch: boolean;
  readonly lang: Lang;
  readonly hidUdp: string | null;
}

export interface KeysIo extends Pick<Output, 'stdout' | 'stderr'> {
  /** Ends --watch. */
  readonly signal?: AbortSignal;
  /** Replaces the node-hid / UDP choice (tests plug the virtual authenticator in here). */
  readonly backend?: HidBackend;
  readonly watchIntervalMs?: number;
}

export const KEYS_JSON_SCHEMA = 'keyready.keys/1';

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

function modelName(key: KeyFacts, lang: Lang): string {
  if (key.model) return key.model;
  if (key.isAtkey) return t(lang, 'keys.model.atkey-unidentified');
  // A key that could not be read has no AAGUID: it may well be an ATKey, so do not say it is not one.
  return t(lang, key.access === 'ok' ? 'keys.model.unknown' : 'keys.model.unreadable');
}

/** Can this key sign in to Windows as it is: readable, FIDO2, and able to verify its user. */
export function usable(key: KeyFacts): boolean {
  if (key.access !== 'ok' || key.ctap2 === false) return false;
  if (key.fingerprintEnrolled === true) return true;
  return key.pinSet === true && key.noMcGaPermissionsWithClientPin !== true;
}

/** What to do next with this key, in the guide's steps. */
function nextStep(key: KeyFacts, lang: Lang): string {
  if (key.access === 'denied') return t(lang, 'collect.run-elevated');
  if (key.access === 'error') return t(lang, 'keys.next.unreadable');
  if (key.ctap2 === false) return t(lang, 'keys.next.u2f-only');
  if (key.fingerprintEnrolled === true) return t(lang, 'keys.next.register');
  if (key.fingerprintEnrolled === null && key.pinSet === null) return t(lang, 'keys.next.no-verification');
  return t(lang, key.pinSet === true ? 'keys.next.add-fingerprint' : 'keys.next.enrol', {
    how: t(lang, 'next.fix.key.fingerprint'),
  });
}

/** A one-line label for watch events: model and AAGUID (or USB ids when it could not be read). */
export function keyLabel(key: KeyFacts, lang: Lang): string {
  return `${modelName(key, lang)} (${key.aaguid ?? `USB ${hex4(key.vendorId)}:${hex4(key.productId)}`})`;
}

function tri(lang: Lang, value: boolean | null, yes: string, no: string, absent: string): string {
  return t(lang, value === null ? absent : value ? yes : no);
}

/** The human description of one key, one "label: value" per line under its name. */
export function renderKey(key: KeyFacts, lang: Lang): string[] {
  const usb = `${hex4(key.vendorId)}:${hex4(key.productId)}${key.product ? ` "${key.product}"` : ''}`;
  const lines = [modelName(key, lang)];
  const field = (name: string, value: string) => lines.push(`  ${t(lang, `keys.field.${name}`)}: ${value}`);
  const next = `  ${t(lang, 'keys.field.next')}: ${nextStep(key, lang)}`;
  field('usb', usb);
  if (key.access === 'denied') return [...lines, `  ${t(lang, 'keys.access.denied')}`, next];
  if (key.access === 'error') return [...lines, `  ${t(lang, 'keys.access.error', { error: key.error ?? t(lang, 'keys.value.unknown') })}`, next];
  if (key.ctap2 === false) return [...lines, `  ${t(lang, 'keys.u2f-only')}`, next];
  const unknown = t(lang, 'keys.value.unknown');
  field('aaguid', key.aaguid ?? unknown);
  field('versions', key.versions.join(t(lang, 'cli.list')) || unknown);
  field('firmware', key.firmwareVersion === null ? unknown : String(key.firmwareVersion));
  field('pin', tri(lang, key.pinSet, 'keys.pin.set', 'keys.pin.not-set', 'keys.pin.unsupported'));
  field(
    'fingerprint',
    tri(lang, key.fingerprintEnrolled, 'keys.fingerprint.enrolled', 'keys.fingerprint.none', 'keys.fingerprint.unsupported'),
  );
  field('uv', tri(lang, key.uvConfigured, 'keys.uv.configured', 'keys.uv.not-configured', 'keys.uv.unsupported'));
  if (key.sensor) {
    const kind = key.sensor.fingerprintKind === 1 || key.sensor.fingerprintKind === 2 ? String(key.sensor.fingerprintKind) : 'other';
    field(
      'sensor',
      t(lang, 'keys.sensor.value', {
        kind: t(lang, `keys.sensor.kind.${kind}`),
        samples: key.sensor.maxCaptureSamplesRequiredForEnroll ?? unknown,
      }),
    );
  }
  if (key.noMcGaPermissionsWithClientPin) lines.push(`  ${t(lang, 'keys.note.no-mcga')}`);
  lines.push(next);
  return lines;
}

function renderList(keys: readonly KeyFacts[], lang: Lang): string[] {
  if (keys.length === 0) return [t(lang, 'keys.none')];
  return [t(lang, 'keys.heading', { count: keys.length }), ...keys.flatMap((key) => ['', ...renderKey(key, lang)])];
}

function renderEvent(event: KeyEvent, lang: Lang): string[] {
  const stamp = `[${new Date().toISOString().slice(11, 19)}]`;
  const key = event.type === 'changed' ? event.after : event.key;
  const line = `${stamp} ${t(lang, `keys.watch.${event.type}`, { key: keyLabel(key, lang) })}`;
  return event.type === 'unplug' ? [line] : [line, ...renderKey(key, lang).slice(1)];
}

/** The command as the dispatcher runs it: --lang and --hid-udp are global options. */
export const keys: Command = {
  options: {
    json: { type: 'boolean' },
    watch: { type: 'boolean' },
  },
  async run(values, globals, out) {
    const options: KeysOptions = { json: values.json === true, watch: values.watch === true, lang: globals.lang, hidUdp: globals.hidUdp };
    // --watch runs until Ctrl+C (or the service manager's SIGTERM), then stops the watcher cleanly.
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      return await runKeys(options, {
        stdout: (line) => out.stdout(`${line}\n`),
        stderr: (line) => out.stderr(`${line}\n`),
        signal: controller.signal,
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

/** Runs the command; resolves with the exit code (0 a usable key, 1 none, 2 HID unavailable or bad input). */
export async function runKeys(options: KeysOptions, io: KeysIo): Promise<number> {
  let backend: HidBackend;
  try {
    backend = io.backend ?? selectHidBackend(options.hidUdp);
  } catch (error) {
    io.stderr(errorText(error));
    return EXIT_ERROR;
  }
  if (options.watch) return watch(backend, options, io);
  const { keys, capture } = await scanKeys(backend);
  if (options.json) {
    io.stdout(JSON.stringify({ schema: KEYS_JSON_SCHEMA, hid: { state: capture.state, reason: capture.reason, backend: capture.backend }, keys }, null, 2));
  } else if (capture.state === 'error') {
    io.stderr(t(options.lang, 'keys.hid-unavailable', { reason: capture.reason ?? '' }));
  } else {
    for (const line of renderList(keys, options.lang)) io.stdout(line);
    if (keys.length > 0 && !keys.some(usable)) for (const line of ['', t(options.lang, 'keys.none-usable')]) io.stdout(line);
  }
  if (capture.state !== 'ok') return EXIT_ERROR;
  return keys.some(usable) ? EXIT_READY : EXIT_NOT_READY;
}

async function watch(backend: HidBackend, options: KeysOptions, io: KeysIo): Promise<number> {
  const { lang, json } = options;
  const emit = (event: KeyEvent) => {
    if (json) io.stdout(JSON.stringify({ event: event.type, ...(event.type === 'changed' ? { before: event.before, key: event.after } : { key: event.key }) }));
    else for (const line of renderEvent(event, lang)) io.stdout(line);
  };
  const watcher = watchKeys({
    backend,
    onEvent: emit,
    onError: (error) => io.stderr(t(lang, 'keys.hid-unavailable', { reason: error.message })),
    ...(io.watchIntervalMs ? { intervalMs: io.watchIntervalMs } : {}),
  });
  const initial = await watcher.start();
  if (json) io.stdout(JSON.stringify({ event: 'present', keys: initial }));
  else for (const line of [...renderList(initial, lang), '', t(lang, 'keys.watch.started')]) io.stdout(line);
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await watcher.stop();
  return EXIT_READY;
}
