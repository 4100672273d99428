// The compiled validator must be the zod schema, only faster: on thousands of seeded mutations of
// real agent messages (reports the agent builds from the real dsregcmd captures, hellos, enrollments)
// it accepts exactly what zod's safeParse accepts and leaves exactly zod's output behind.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { CHECK_IDS, CHECK_STATUSES } from '../../../protocol/checks.ts';
import { compileValidator } from '../../../protocol/compiled-validator.ts';
import { EnrollMessage, HelloMessage, ReportMessage } from '../../../protocol/messages.ts';
import { MAX_ITEMS, MAX_NAME, MAX_TEXT } from '../../../protocol/report.ts';
import { prng } from '../../../sim/prng.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../../../sim/authenticator/profiles.ts';
import { pcReport } from '../../../sim/fleet/pc-report.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const device = { hostname: 'PC-FUZZ-0001', manufacturer: 'LENOVO', model: '21HD', serial: 'PF1', uuid: 'uuid-1', user: 'taro@contoso.co.jp' };
const CAPTURES = ['01_entra-joined_win10-19041_prt-yes_FULL.txt', '09b_hybrid-joined_win11-26100_EXCERPT_sso-state_prt-NO_AADSTS90002_author-trimmed.txt', '13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt', '10_workgroup-not-joined_2020_TRUNCATED.txt'];

function baseMessages(): { schema: z.ZodType; message: Json }[] {
  const reports = [
    ...CAPTURES.map((file, i) => pcReport({ dsregcmd: file }, device, new Date('2026-12-01T09:00:00Z'), i % 2 ? 'ja' : 'en')),
    pcReport({ keys: [atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'pin-only'), atkeyConfig(ATKEY_MODEL_PROFILES[1]!, 'nothing')] }, device),
    pcReport({ keys: null }, device),
    makeReport({ legacy: true }),
  ];
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;
  return [
    ...reports.map((report, seq) => ({ schema: ReportMessage, message: json({ type: 'report', seq, dropped: 0, clock: '2026-12-01T09:00:00.000+09:00', report }) })),
    { schema: ReportMessage, message: json({ type: 'report', seq: 7, requestId: 'req-1', report: reports[0] }) },
    { schema: HelloMessage, message: json({ type: 'hello', deviceId: 'dev-1', token: 'tok', agentVersion: '0.1.0', tags: { site: 'tokyo' } }) },
    { schema: EnrollMessage, message: json({ type: 'enroll', secret: 's', hostname: 'PC-1', hardware: { uuid: 'u', serial: null, manufacturer: 'LENOVO', model: null }, agentVersion: '0.1.0', tags: { ring: 'pilot' } }) },
  ];
}

const UNKNOWN_KEYS = ['extra', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'type', 'report', 'seq', 'valueOf'];

function mutator(seed: number) {
  const random = prng(seed);
  const strings = (): string =>
    random.pick([
      '',
      'x',
      '12',
      'a'.repeat(MAX_NAME),
      'a'.repeat(MAX_NAME + 1),
      'b'.repeat(MAX_TEXT),
      'b'.repeat(MAX_TEXT + 1),
      'c'.repeat(64),
      'c'.repeat(65),
      'keyready.report/1',
      random.pick(CHECK_IDS),
      random.pick(CHECK_STATUSES),
      random.pick(['ok', 'error', 'entra', 'ja', 'en', 'ready', 'unknown', 'user', 'dsregcmd', 'report', 'hello', 'device', 'key']),
    ]);
  const scalar = (): Json => random.pick<() => Json>([() => null, () => true, () => false, strings, () => random.pick([0, -1, 1, 1.5, -0.5, 2 ** 53, 2 ** 53 - 1, 1e308, -0, 42])])();
  const value = (depth = 0): Json => {
    const kind = random.int(depth > 1 ? 1 : 4);
    if (kind === 0) return scalar();
    if (kind === 1) return Array.from({ length: random.pick([0, 1, 3, MAX_ITEMS + 1]) }, () => (random.int(2) ? strings() : scalar()));
    if (kind === 2) return Object.fromEntries(Array.from({ length: random.int(3) }, (_, i) => [`k${i}`, value(depth + 1)]));
    return strings();
  };

  /** Every container in the tree with the key or index of each member. */
  const members = (root: Json): { parent: Json[] | Record<string, Json>; key: string | number }[] => {
    const out: { parent: Json[] | Record<string, Json>; key: string | number }[] = [];
    const walk = (node: Json): void => {
      if (!node || typeof node !== 'object') return;
      for (const [k, child] of Object.entries(node)) {
        out.push({ parent: node, key: Array.isArray(node) ? Number(k) : k });
        walk(child);
      }
    };
    walk(root);
    return out;
  };

  const containers = (root: Json): (Json[] | Record<string, Json>)[] => {
    const out: (Json[] | Record<string, Json>)[] = [];
    const walk = (node: Json): void => {
      if (node && typeof node === 'object') {
        out.push(node);
        for (const child of Object.values(node)) walk(child);
      }
    };
    walk(root);
    return out;
  };

  const setOwn = (target: Record<string, Json>, key: string, v: Json) => Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });

  return (root: Json): void => {
    const mutations = random.int(4);
    for (let m = 0; m < mutations; m += 1) {
      const all = members(root);
      const { parent, key } = random.pick(all);
      const current = (parent as Record<string | number, Json>)[key]!;
      switch (random.int(8)) {
        case 0: // a value of another shape
          (parent as Record<string | number, Json>)[key] = value();
          break;
        case 1: // a member removed
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key as string];
          break;
        case 2: {
          // an unknown key, including the ones with a meaning to JavaScript objects
          const target = random.pick(containers(root).filter((c) => !Array.isArray(c))) as Record<string, Json>;
          setOwn(target, random.pick(UNKNOWN_KEYS), value());
          break;
        }
        case 3: {
          // a collection at or one past its bound
          const target = random.pick(containers(root));
          const size = random.pick([MAX_ITEMS, MAX_ITEMS + 1]);
          if (Array.isArray(target)) while (target.length > 0 && target.length < size) target.push(structuredClone(target[0]!));
          else for (let i = Object.keys(target).length; i < size; i += 1) target[`key${i}`] = random.int(2) ? strings() : random.int(100);
          break;
        }
        case 4: // numbers: fractional, negative, out of the safe range, as text
          if (typeof current === 'number') (parent as Record<string | number, Json>)[key] = random.pick([current + 0.5, -current - 1, 2 ** 53, String(current)]);
          else (parent as Record<string | number, Json>)[key] = scalar();
          break;
        case 5: // strings at their bounds
          if (typeof current === 'string') (parent as Record<string | number, Json>)[key] = random.pick([current.padEnd(MAX_NAME, 'n'), current.padEnd(MAX_NAME + 1, 'n'), current.padEnd(MAX_TEXT + 1, 't'), '']);
          else (parent as Record<string | number, Json>)[key] = strings();
          break;
        case 6: // null where a value is expected, or the reverse
          (parent as Record<string | number, Json>)[key] = current === null ? scalar() : null;
          break;
        default: // a long key in a record
          if (!Array.isArray(parent) && typeof key === 'string') {
            const v = parent[key]!;
            delete parent[key];
            parent[random.pick(['k'.repeat(MAX_NAME), 'k'.repeat(MAX_NAME + 1), ''])] = v;
          }
      }
    }
  };
}

describe('compiled validator', () => {
  it('accepts and rejects exactly what zod does, with the same output, on 6,000 mutated agent messages', () => {
    const bases = baseMessages();
    const validators = new Map(bases.map(({ schema }) => [schema, compileValidator(schema)]));
    // FUZZ_SEED=n explores another stream; a failure names its case, reproducible from the seed.
    const mutate = mutator(Number(process.env.FUZZ_SEED ?? 0x15_2026));
    let accepted = 0;
    let rejected = 0;
    for (let n = 0; n < 6_000; n += 1) {
      const { schema, message } = bases[n % bases.length]!;
      const candidate = structuredClone(message);
      mutate(candidate);
      // Both sides start from the same wire text, as the collector does.
      const text = JSON.stringify(candidate);
      const expected = schema.safeParse(JSON.parse(text));
      const fast = JSON.parse(text) as unknown;
      const ok = validators.get(schema)!(fast);
      expect(ok, `case ${n}: ${text.slice(0, 300)}`).toBe(expected.success);
      if (ok) {
        // node's strict deep equality (prototypes, own keys, -0): vitest's would compare two own
        // "constructor" keys by identity, which mutated records do carry.
        expect(isDeepStrictEqual(fast, expected.data), `case ${n}: ${text.slice(0, 300)}`).toBe(true);
        accepted += 1;
      } else rejected += 1;
    }
    // Both answers are exercised in earnest.
    expect(accepted).toBeGreaterThan(1_000);
    expect(rejected).toBeGreaterThan(1_000);
  });

  it('accepts every unmutated real message and fills the default', () => {
    for (const { schema, message } of baseMessages()) {
      const copy = structuredClone(message) as Record<string, Json>;
      if (copy.type === 'report') delete copy.dropped;
      expect(compileValidator(schema)(copy)).toBe(true);
      if (copy.type === 'report') expect(copy.dropped).toBe(0);
    }
  });

  it('checks string formats by the pattern zod itself tests (the PC clock a report carries)', () => {
    const schema = z.object({ at: z.iso.datetime({ offset: true }), id: z.string().regex(/^a\d+$/).max(8) });
    const valid = compileValidator(schema);
    const cases = ['2026-12-01T08:00:00.000Z', '2026-12-01T08:00:00+09:00', '20⩁6-12-01T08:00:00.000Z', '2026-02-30T08:00:00Z', '2026-12-01 08:00:00Z', '', 'a1', 'a12345678', 'b1', 'a1\n'];
    for (const at of cases) {
      for (const id of cases) expect(valid({ at, id }), `${at} ${id}`).toBe(schema.safeParse({ at, id }).success);
    }
  });

  it('refuses at compile time a schema feature it does not compile', () => {
    expect(() => compileValidator(z.object({ mail: z.email() }))).toThrow(/not supported/);
    expect(() => compileValidator(z.object({ id: z.string().email() }))).toThrow(/not supported/);
    expect(() => compileValidator(z.object({ at: z.date() }))).toThrow(/not supported/);
    expect(() => compileValidator(z.strictObject({ id: z.string() }))).toThrow(/not supported/);
    expect(() => compileValidator(z.union([z.object({ a: z.string() }), z.string()]))).toThrow(/union options/);
  });
});
