// What `keyready-agent setup` would run on Windows (icacls, schtasks, sc.exe) and the agent.json it
// merges, as pure values: the commands cannot run here, so their exact arguments are the contract.
import { describe, expect, it } from 'vitest';
import { AgentConfigFile } from '../../../../agent/config.ts';
import { mergeSetupConfig, parseTags } from '../../../../agent/setup/agent-config.ts';
import {
  agentInvocation,
  LOGON_TASK,
  logonTaskXml,
  quoteArg,
  schtasksCreateArgs,
  schtasksDeleteArgs,
  serviceRecoveryArgs,
  taskXmlBytes,
  usersWritableAclArgs,
} from '../../../../agent/setup/windows.ts';

const EXE = 'C:\\Program Files\\KeyReady\\Agent\\keyready-agent.exe';
const DATA = 'C:\\ProgramData\\KeyReady';

describe('the logon task', () => {
  const xml = logonTaskXml(agentInvocation(EXE, 'C:\\snapshot\\main.js', true), DATA, 'Reads the user\'s sign-in state & more');

  it('runs the packaged exe itself, probe-user, in every user\'s own session with least privilege', () => {
    expect(xml).toContain('<LogonTrigger>\n      <Enabled>true</Enabled>\n      <Delay>PT30S</Delay>\n    </LogonTrigger>');
    expect(xml).toContain('<Principal id="Users">\n      <GroupId>S-1-5-32-545</GroupId>\n      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>');
    expect(xml).toContain('<Actions Context="Users">');
    expect(xml).toContain(`<Command>${EXE}</Command>`);
    expect(xml).toContain('<Arguments>probe-user --data-dir C:\\ProgramData\\KeyReady</Arguments>');
    expect(xml).toContain('<Hidden>true</Hidden>');
    expect(xml).toContain('<URI>\\KeyReady\\Probe user</URI>');
    expect(xml).toContain('<Description>Reads the user\'s sign-in state &amp; more</Description>');
    expect(xml).not.toMatch(/<UserId>|<LogonType>/); // a group principal: whoever signs in
  });

  it('in a checkout runs Node with the script, quoted where Windows would split it', () => {
    const dev = logonTaskXml(agentInvocation('C:\\node\\node.exe', 'C:\\My Repo\\bin\\keyready-agent.js', false), 'D:\\data & logs', 'd');
    expect(dev).toContain('<Command>C:\\node\\node.exe</Command>');
    expect(dev).toContain('<Arguments>"C:\\My Repo\\bin\\keyready-agent.js" probe-user --data-dir "D:\\data &amp; logs"</Arguments>');
  });

  it('is written as UTF-16LE with a byte-order mark and CRLF, as its encoding declaration says', () => {
    const bytes = taskXmlBytes(xml);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = bytes.subarray(2).toString('utf16le');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2"')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
  });

  it('is created (replacing an earlier one) and deleted by name', () => {
    expect(LOGON_TASK).toBe('\\KeyReady\\Probe user');
    expect(schtasksCreateArgs('C:\\ProgramData\\KeyReady\\logon-task.xml')).toEqual(['/Create', '/TN', LOGON_TASK, '/XML', 'C:\\ProgramData\\KeyReady\\logon-task.xml', '/F']);
    expect(schtasksDeleteArgs()).toEqual(['/Delete', '/TN', LOGON_TASK, '/F']);
  });
});

describe('Windows command lines', () => {
  it('let BUILTIN\\Users (by SID) create and replace files in the user-facts folder only', () => {
    expect(usersWritableAclArgs('C:\\ProgramData\\KeyReady\\user')).toEqual(['C:\\ProgramData\\KeyReady\\user', '/grant', '*S-1-5-32-545:(OI)(CI)M']);
  });

  it('set the service to restart after failures', () => {
    expect(serviceRecoveryArgs()).toEqual(['failure', 'KeyReadyAgent', 'reset=', '86400', 'actions=', 'restart/10000/restart/10000/restart/60000']);
  });

  it('quote an argument the way CommandLineToArgvW reads it back', () => {
    expect(quoteArg('probe-user')).toBe('probe-user');
    expect(quoteArg('')).toBe('""');
    expect(quoteArg('C:\\Program Files\\x')).toBe('"C:\\Program Files\\x"');
    expect(quoteArg('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(quoteArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteArg('a\\"b')).toBe('"a\\\\\\"b"');
  });
});

describe('agent.json from the installer properties', () => {
  it('reads TAGS as name=value pairs, trimmed, empty segments ignored', () => {
    expect(parseTags('site=Osaka; dept = Sales;;')).toEqual({ site: 'Osaka', dept: 'Sales' });
    expect(parseTags('note=a=b')).toEqual({ note: 'a=b' });
    expect(Object.keys(parseTags('__proto__=x'))).toEqual(['__proto__']);
  });

  it('refuses malformed TAGS naming the property, the flag and the bad part', () => {
    expect(() => parseTags('site')).toThrow('TAGS (--tags) must be name=value pairs separated by ";": at most 32, names 1 to 64 characters, values up to 256, each name once (problem at "site")');
    expect(() => parseTags('a=1;a=2')).toThrow('(problem at "a=2")');
    expect(() => parseTags('=x')).toThrow('(problem at "=x")');
    expect(() => parseTags(`${'k'.repeat(65)}=v`)).toThrow(`(problem at "${'k'.repeat(65)}=v")`);
    expect(() => parseTags(Array.from({ length: 33 }, (_, i) => `t${i}=v`).join(';'))).toThrow('(problem at "33 tags")');
  });

  it('takes what is given, keeps what is not, and never fills in defaults', () => {
    const first = mergeSetupConfig(null, { collector: 'wss://c.example:8443', enrollSecret: 's', certificatePin: '', tags: 'site=Osaka' });
    expect(first).toEqual({ config: { collector: 'wss://c.example:8443', enrollSecret: 's', tags: { site: 'Osaka' } }, kept: [] });

    const handEdited = { ...first.config, intervals: { reprobeMs: 5_000 } };
    const upgrade = mergeSetupConfig(handEdited, { collector: '', enrollSecret: '', certificatePin: '', tags: 'site=Kyoto' });
    expect(upgrade.config).toEqual({ collector: 'wss://c.example:8443', enrollSecret: 's', tags: { site: 'Kyoto' }, intervals: { reprobeMs: 5_000 } });
    expect(upgrade.kept).toEqual(['collector', 'enrollSecret']);
    expect(AgentConfigFile.parse(upgrade.config).intervals.fullCheckMs).toBe(3_600_000);
  });

  it('refuses each bad value by its MSI property, without echoing the secret', () => {
    expect(() => mergeSetupConfig(null, { collector: 'https://c.example' })).toThrow('COLLECTOR_URL (--collector) must be a ws:// or wss:// URL such as wss://keyready.example.com:8443 (got "https://c.example")');
    expect(() => mergeSetupConfig(null, { collector: 'wss://c', certificatePin: 'abc' })).toThrow('CERTIFICATE_PIN (--certificate-pin) must be');
    const secret = 'x'.repeat(513);
    expect(() => mergeSetupConfig(null, { collector: 'wss://c', enrollSecret: secret })).toThrow('ENROLL_SECRET (--enroll-secret) must be 1 to 512 characters (got 513)');
    expect(() => mergeSetupConfig(null, { enrollSecret: 's' })).toThrow(/^no collector: give COLLECTOR_URL=/);
  });
});
