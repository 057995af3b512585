import { findHit, type Hit, quote } from './text.js';

/**
 * Secret detection for `no_secrets` and `credentials_in_notes`. Evidence is
 * masked: the secret value is replaced by **** so a verdict never repeats it.
 */

const MASKED = /^(\*+|x{3,}|\[?redacted\]?|<redacted>|•+)$/i;
const NOT_A_VALUE = new Set([
  'the',
  'a',
  'an',
  'to',
  'be',
  'been',
  'was',
  'is',
  'sent',
  'reset',
  'changed',
  'expired',
  'required',
  'set',
  'updated',
  'provided',
  'shared',
  'via',
  'by',
  'in',
  'on',
  'not',
  'and',
  'correct',
  'wrong',
  'incorrect',
  'working',
  'forgotten',
  'locked',
  'through',
  'over',
  'manager',
  'policy',
  'change',
]);

const LABELLED =
  /\b(password|passwd|pwd|pw|passcode|pin|temp(?:orary)? password|api[_ -]?key|token|secret|client secret|psk|pre-shared key|wi-?fi (?:key|password)|recovery key|mfa code|otp|one-time code)\s*(?:is|was|=|:|->|set to|reset to|changed to|now)\s*['"“]?([^\s'"”,;]{4,})/gi;
const RAW_SECRETS = [
  /\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bxox[bapr]-[A-Za-z0-9-]{10,}/,
  /\b\d{6}(?:-\d{6}){7}\b/,
  /\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  // rubric.md: a redaction placeholder for a secret or card number was a secret in clear.
  /\[(?:SECRET|CARD)_\d+\]/,
];
const PARTIAL =
  /\b((usual|standard|same) (password|pw)|password[^.\n]{0,30}\b(plus|followed by|and) the year|(sent|emailed|texted) (the |her |his |their )?(new )?(password|credentials)[^.\n]{0,30}\b(by|via|over|in) (plain )?(e-?mail|sms|text))\b/i;

export interface SecretFinding {
  severity: 'clear' | 'partial';
  evidence: string;
}

function mask(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('****');
}

export function findSecret(texts: readonly string[]): SecretFinding | undefined {
  for (const source of texts) {
    for (const m of source.matchAll(LABELLED)) {
      const value = m[2] ?? '';
      const bare = value.replace(/[.)]+$/, '');
      if (MASKED.test(bare) || NOT_A_VALUE.has(bare.toLowerCase())) continue;
      const hit: Hit = { source, index: m.index ?? 0, match: m[0] };
      return { severity: 'clear', evidence: mask(quote(hit), bare) };
    }
    for (const re of RAW_SECRETS) {
      const m = re.exec(source);
      if (m) {
        const hit: Hit = { source, index: m.index, match: m[0] };
        return { severity: 'clear', evidence: mask(quote(hit), m[0]) };
      }
    }
  }
  const partial = findHit(texts, PARTIAL);
  return partial ? { severity: 'partial', evidence: quote(partial) } : undefined;
}
