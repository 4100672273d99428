import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { enrollInfo, hostOf } from '../../../../collector/api/enroll-info.ts';
import { advertisedHosts, agentRunCommand, agentUrls } from '../../../../collector/shared/enroll-hint.ts';

const request = (host: string | undefined) => ({ headers: host === undefined ? {} : { host } }) as IncomingMessage;
const hint = { hosts: ['192.168.1.20', 'collector01'], secret: { kind: 'generated', dataDir: '/srv/key ready' } as const, tls: false, port: () => 8080 };

describe('how other PCs reach this collector', () => {
  it('never offers loopback: a wildcard listener offers the machine, a loopback one nothing', () => {
    expect(advertisedHosts('0.0.0.0', ['192.168.1.20', 'collector01'])).toEqual(['192.168.1.20', 'collector01']);
    expect(advertisedHosts('127.0.0.1', ['192.168.1.20'])).toEqual([]);
    expect(advertisedHosts('10.0.0.5', ['192.168.1.20'])).toEqual(['10.0.0.5']);
    expect(agentUrls(['localhost', '10.0.0.5', '10.0.0.5', '[fd00::2]'], 8443, true)).toEqual(['wss://10.0.0.5:8443/agent', 'wss://[fd00::2]:8443/agent']);
    // Plain ws:// to another PC must be allowed explicitly (the agent refuses it otherwise); wss:// needs nothing.
    expect(agentRunCommand('ws://10.0.0.5:8080/agent', 'S3cret')).toBe('keyready-agent run --collector ws://10.0.0.5:8080/agent --enroll-secret=S3cret --allow-insecure');
    expect(agentRunCommand('wss://kr.example:8443/agent', null)).toBe('keyready-agent run --collector wss://kr.example:8443/agent --enroll-secret=<secret>');
    // A generated secret may start with a dash; as its own word it would read as an option.
    expect(agentRunCommand('wss://kr.example:8443/agent', '-AYrxF4')).toBe('keyready-agent run --collector wss://kr.example:8443/agent --enroll-secret=-AYrxF4');
  });

  it('puts the address the dashboard was opened with first, unless it is loopback', () => {
    expect(enrollInfo(hint, request('keyready.corp.example:8080')).agentUrls[0]).toBe('ws://keyready.corp.example:8080/agent');
    const local = enrollInfo(hint, request('localhost:8080'));
    expect(local.agentUrls).toEqual(['ws://192.168.1.20:8080/agent', 'ws://collector01:8080/agent']);
    expect(local.msiCommand).toMatch(/^msiexec \/i KeyReadyAgent-\d+\.\d+\.\d+-x64\.msi COLLECTOR_URL=ws:\/\/192\.168\.1\.20:8080\/agent ENROLL_SECRET=<secret> ALLOW_INSECURE=1 \/qn/);
    expect(local.secretCommand).toBe('keyready-collector show-enroll-secret --data-dir "/srv/key ready"');
    expect(enrollInfo({ ...hint, hosts: [], secret: { kind: 'options' } }, request('127.0.0.1:8080'))).toEqual({ agentUrls: [], msiCommand: null, agentCommand: null, secretCommand: null });
  });

  it('ignores a Host header that is not a plain host', () => {
    expect(hostOf('evil.example/path')).toBeNull();
    expect(hostOf('user:pw@evil.example')).toBeNull();
    expect(hostOf('[fd00::2]:8080')).toBe('[fd00::2]');
    expect(hostOf(undefined)).toBeNull();
  });
});
