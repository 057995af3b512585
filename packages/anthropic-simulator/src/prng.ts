import { createHash } from 'node:crypto';

/** Seeded PRNG (mulberry32): same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A uniform number in [0, 1) fixed by its inputs alone. Used where a decision
 * must not depend on request order (noise per ticket and criterion, batch
 * entry outcomes).
 */
export function hashUnit(...parts: ReadonlyArray<string | number>): number {
  const digest = createHash('sha256').update(parts.join('\u001f')).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
