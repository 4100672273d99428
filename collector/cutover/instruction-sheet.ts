// Instruction sheets to send to users (issue 14, pure): exactly the AuthenTrend guide's user steps a
// user still lacks across their PCs — nothing they need not do — in Japanese or English, structured for
// the print view and as plain text for mail or chat.
import type { DeviceRow, InstructionSheet, UserRow } from '../../protocol/api.ts';
import { t } from '../../protocol/i18n/index.ts';
import type { Lang } from '../../protocol/report.ts';

type Step = InstructionSheet['steps'][number];

/**
 * The sheet for `user` from the rows of their PCs (the fleet's verdict per PC, the key as last seen)
 * and whether Entra holds their key (the users view's answer from the tenant join; `unknown` when
 * Microsoft Graph is off or not read yet).
 */
export function instructionSheet(
  lang: Lang,
  user: string,
  rows: readonly DeviceRow[],
  registration: UserRow['keyRegistered'],
  wave: { name: string; targetDate: string } | null = null,
): InstructionSheet {
  const failing = (id: DeviceRow['failing'][number]) => rows.some((r) => r.failing.includes(id));
  const ready = rows.filter((r) => r.layers.device === 'ready');
  const waiting = rows.filter((r) => r.layers.device !== 'ready');
  const kinds: Step['kind'][] = [];
  // Step 2, the key: a key never seen on any PC must be plugged in first; then what it lacks.
  if (rows.length > 0 && rows.every((r) => r.keyModel === null)) kinds.push('plug');
  if (failing('key.fingerprint')) kinds.push('fingerprint');
  // A fingerprint enrolled on the key alone makes it usable: a PIN only when the fingerprint is there.
  else if (failing('key.pin')) kinds.push('pin');
  // Step 3 unless the tenant side says this user's key is registered.
  const registered = registration === 'yes';
  if (!registered) kinds.push('register');
  if (ready.some((r) => r.failing.includes('sso.prt'))) kinds.push('token');
  // Step 4 closes whatever came before, on the PCs ready for it.
  if (ready.length > 0 && (kinds.length > 0 || ready.some((r) => r.failing.includes('signin.last-provider')))) kinds.push('signin');
  const everythingReady = rows.length > 0 && rows.every((r) => r.readiness === 'ready') && registered;
  const steps = everythingReady ? [] : kinds.map((kind) => step(lang, kind, registration, ready));
  const notes: string[] = [];
  if (waiting.length > 0) notes.push(t(lang, 'sheet.wait', { pcs: waiting.map((r) => r.hostname).join(', ') }));
  if (wave && steps.length > 0) notes.push(t(lang, 'sheet.wave', { name: wave.name, date: wave.targetDate }));
  const pcs = rows.map((r) => ({ deviceId: r.deviceId, hostname: r.hostname, ready: r.readiness === 'ready' }));
  const header = [t(lang, 'sheet.title'), t(lang, 'sheet.for', { user })];
  if (pcs.length > 0) header.push(t(lang, pcs.length > 1 ? 'sheet.pcs.many' : 'sheet.pcs', { pcs: pcs.map((p) => p.hostname).join(', ') }));
  const done = steps.length === 0 && waiting.length === 0;
  const footer = [...(done ? [t(lang, 'sheet.done')] : []), t(lang, 'sheet.help')];
  const sheet = { user, lang, pcs, header, steps, notes, done, footer };
  return { ...sheet, text: sheetText(lang, sheet) };
}

const GUIDE_STEP: Readonly<Record<Step['kind'], number>> = { plug: 2, fingerprint: 2, pin: 2, register: 3, token: 4, signin: 4 };

function step(lang: Lang, kind: Step['kind'], registration: UserRow['keyRegistered'], ready: readonly DeviceRow[]): Step {
  const lines: Record<Step['kind'], string[]> = {
    plug: [t(lang, 'sheet.plug.text')],
    fingerprint: [t(lang, 'sheet.fingerprint.text'), t(lang, 'sheet.fingerprint.alt')],
    pin: [t(lang, 'sheet.pin.text')],
    // Hedged only while the tenant side cannot tell (not connected): a known "not registered" is plain.
    register: registration === 'no' ? [t(lang, 'sheet.register.text')] : [t(lang, 'sheet.register.text'), t(lang, 'sheet.register.unknown')],
    token: [t(lang, 'sheet.token.text')],
    signin: [t(lang, 'sheet.signin.text'), t(lang, ready.length > 1 ? 'sheet.pcs.many' : 'sheet.pcs', { pcs: ready.map((r) => r.hostname).join(', ') })],
  };
  return { kind, guideStep: GUIDE_STEP[kind], title: t(lang, `sheet.${kind}.title`), lines: lines[kind] };
}

function sheetText(lang: Lang, sheet: Omit<InstructionSheet, 'text'>): string {
  const out = [...sheet.header, ''];
  sheet.steps.forEach((s, i) => {
    out.push(`${t(lang, 'sheet.step', { n: i + 1, title: s.title })} ${t(lang, 'sheet.guideStep', { step: s.guideStep })}`);
    for (const line of s.lines) out.push(`   ${line}`);
  });
  if (sheet.notes.length > 0) out.push(...(sheet.steps.length > 0 ? [''] : []), ...sheet.notes);
  out.push(...(sheet.steps.length > 0 || sheet.notes.length > 0 ? [''] : []), ...sheet.footer);
  return `${out.join('\n')}\n`;
}
