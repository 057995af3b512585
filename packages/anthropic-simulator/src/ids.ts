import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function base62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** Ids shaped like the API's, so logs and dashboards look familiar. */
export const newId = {
  message: () => `msg_01${base62(22)}`,
  toolUse: () => `toolu_01${base62(22)}`,
  request: () => `req_011C${base62(20)}`,
  batch: () => `msgbatch_01${base62(22)}`,
};
