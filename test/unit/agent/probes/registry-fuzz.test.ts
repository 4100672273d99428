// `reg query` output fuzzed 6,000 times from the real captures of the bundles (seeded: a failure
// names its seed): lines cut, doubled, re-typed and re-spaced, hostile data, CR/LF mixes, random
// text and exit codes. The parser always answers with a typed outcome — values, missing, or an
// error with its message — and the registry interpretation with facts or a reason, never a throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpretRegistry, REGISTRY_KEYS, RegistryRaw } from '../../../../agent/probes/registry.ts';
import { interpretRegQuery } from '../../../../agent/probes/registry/parse.ts';
import { prng } from '../../../../sim/prng.ts';
import { NASTY_STRINGS, type Random } from '../../../support/json-fuzz.ts';
import { OsFacts } from '../../../../protocol/report.ts';

const BUNDLES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'bundles');
const CAPTURES = ['entra-ready', 'policy-off', 'provider-excluded', 'old-build'].map((name) => RegistryRaw.parse(JSON.parse(readFileSync(join(BUNDLES, name, 'registry.json'), 'utf8'))));
const QUERIES = CAPTURES.flatMap((c) => c.queries);
const TYPES = ['REG_SZ', 'REG_DWORD', 'REG_QWORD', 'REG_MULTI_SZ', 'REG_EXPAND_SZ', 'REG_BINARY', 'REG_NONE', 'REG_', 'REG_DWORD_BIG_ENDIAN'];

function mutateOutput(text: string, random: Random): string {
  const lines = text.split(/\r\n|\n/);
  for (let n = 1 + random.int(4); n > 0; n -= 1) {
    const i = random.int(lines.length || 1);
    const line = lines[i] ?? '';
    switch (random.int(8)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, line, line);
        break;
      case 2:
        lines[i] = line.replace(/REG_[A-Z0-9_]+/, random.pick(TYPES));
        break;
      case 3:
        lines[i] = line.replace(/ {4}/g, random.pick(['\t', '   ', '     ', '    ']));
        break;
      case 4:
        lines[i] = `    ${random.pick([...NASTY_STRINGS.map((s) => s.slice(0, 300)), 'CurrentBuild', 'UBR', 'UseSecurityKeyForSignin'])}    ${random.pick(TYPES)}    ${random.pick(['0x', '0xFFFFFFFFFFFFFFFFFFFF', '0x-1', '-0x1', 'zz', '', '99999999999999999999', '007', '4294967295', '2147483648', '0xffffffff', random.pick(NASTY_STRINGS).slice(0, 300)])}`;
        break;
      case 5:
        lines[i] = line.slice(0, random.int(line.length + 1));
        break;
      case 6:
        lines.splice(i, 0, random.pick(NASTY_STRINGS).slice(0, 500));
        break;
      default:
        lines[i] = Array.from({ length: random.int(200) }, () => String.fromCharCode(random.int(0x3100))).join('');
    }
  }
  return lines.join(random.pick(['\r\n', '\n', '\r', '\r\n\r\n']));
}

function expectTyped(outcome: ReturnType<typeof interpretRegQuery>, where: string): void {
  expect(['found', 'missing', 'error'], where).toContain(outcome.kind);
  if (outcome.kind === 'error') expect(outcome.message.length, where).toBeGreaterThan(0);
  if (outcome.kind !== 'found') return;
  for (const value of outcome.values) {
    expect(typeof value.name, where).toBe('string');
    expect(value.type, where).toMatch(/^REG_[A-Z0-9_]+$/);
    if (typeof value.data === 'number') expect(Number.isSafeInteger(value.data), where).toBe(true);
    else expect(typeof value.data, where).toBe('string');
  }
}

describe('reg query output fuzzing', () => {
  it('parses 5,000 mutated and random outputs into a typed outcome, never a throw', () => {
    for (let seed = 1; seed <= 5_000; seed += 1) {
      const random = prng(seed);
      const base = random.pick(QUERIES);
      const stdout = seed % 10 === 0 ? Array.from({ length: random.int(2_000) }, () => String.fromCharCode(random.int(0xffff))).join('') : mutateOutput(base.stdout, random);
      const exitCode = random.pick([0, 0, 0, 1, 1, 2, 5, -1, 255]);
      const stderr = random.next() < 0.3 ? random.pick([...NASTY_STRINGS, 'ERROR: Access is denied.', 'エラー: アクセスが拒否されました。']) : '';
      let outcome: ReturnType<typeof interpretRegQuery>;
      try {
        outcome = interpretRegQuery(exitCode, stdout, stderr);
      } catch (error) {
        throw new Error(`seed ${seed} threw: ${String(error)}`);
      }
      expectTyped(outcome, `seed ${seed}`);
      // Access denied is an error, never "not set".
      if (exitCode === 1 && /Access is denied|アクセスが拒否/.test(stderr)) expect(outcome.kind, `seed ${seed}`).toBe('error');
    }
  });

  it('interprets 1,000 whole mutated registry captures into facts or a reason, never a throw', () => {
    for (let seed = 1; seed <= 1_000; seed += 1) {
      const random = prng(50_000 + seed);
      const capture = random.pick(CAPTURES);
      const queries = capture.queries
        .filter(() => random.next() > 0.03)
        .map((q) => ({ ...q, stdout: random.next() < 0.5 ? mutateOutput(q.stdout, random) : q.stdout, exitCode: random.next() < 0.1 ? random.pick([1, 2]) : q.exitCode }));
      let result: ReturnType<typeof interpretRegistry>;
      try {
        result = interpretRegistry({ queries });
      } catch (error) {
        throw new Error(`seed ${seed} threw: ${String(error)}`);
      }
      if (!result.ok) {
        expect(result.reason.key, `seed ${seed}`).toBe('reason.failed');
        continue;
      }
      const { os, policy } = result.facts;
      // Whatever the registry says, the facts fit the report's schema (the collector would refuse the report otherwise).
      expect(OsFacts.pick({ build: true, ubr: true }).safeParse({ build: os.build, ubr: os.ubr }).success, `seed ${seed}: ${os.build} ${os.ubr}`).toBe(true);
      for (const n of [policy.useSecurityKeyForSignin, policy.enableFidoDeviceLogon]) {
        if (n !== null) expect(Number.isSafeInteger(n), `seed ${seed}`).toBe(true);
      }
      expect(queries.length).toBeLessThanOrEqual(Object.keys(REGISTRY_KEYS).length);
    }
  });
});
