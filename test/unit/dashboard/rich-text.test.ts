import { describe, expect, it } from 'vitest';
import { richSegments } from '../../../dashboard/src/rich-text.tsx';
import { remediationText } from '../../../protocol/i18n/index.ts';

describe('fix texts: addresses as links, commands as code, nothing else', () => {
  it('splits an English fix into text, links and code, keeping the sentence punctuation as text', () => {
    expect(richSegments('Register it at https://aka.ms/mysecurityinfo (guide step 3). Then run `dsregcmd /status`.')).toEqual([
      { kind: 'text', text: 'Register it at ' },
      { kind: 'link', text: 'https://aka.ms/mysecurityinfo', href: 'https://aka.ms/mysecurityinfo' },
      { kind: 'text', text: ' (guide step 3). Then run ' },
      { kind: 'code', text: 'dsregcmd /status' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('links a bare aka.ms address over https, and stops an address at Japanese text', () => {
    expect(richSegments('aka.ms/mysecurityinfoで登録します。')).toEqual([
      { kind: 'link', text: 'aka.ms/mysecurityinfo', href: 'https://aka.ms/mysecurityinfo' },
      { kind: 'text', text: 'で登録します。' },
    ]);
  });

  it('never makes a link of another scheme, and an address inside backticks stays code', () => {
    expect(richSegments('javascript:alert(1) `https://x.example/`')).toEqual([
      { kind: 'text', text: 'javascript:alert(1) ' },
      { kind: 'code', text: 'https://x.example/' },
    ]);
    expect(richSegments('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
  });

  it('leaves no literal backtick in the real fix texts, in English and Japanese', () => {
    for (const lang of ['en', 'ja'] as const) {
      const text = remediationText(lang, 'fix.join.state.domain-failing', {});
      const segments = richSegments(text);
      expect(segments.some((s) => s.kind === 'link' && s.href === 'https://www.microsoft.com/aadjerrors')).toBe(true);
      expect(segments.some((s) => s.kind === 'code' && s.text === 'dsregcmd /status')).toBe(true);
      expect(segments.filter((s) => s.kind === 'text').map((s) => s.text).join('')).not.toContain('`');
    }
  });
});
