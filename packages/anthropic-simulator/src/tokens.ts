import { getTokenizer } from '@anthropic-ai/tokenizer';
import { sha256Hex } from './prng.js';

/**
 * Token counting with @anthropic-ai/tokenizer. `countTokens()` from that
 * package builds a fresh tokenizer per call (~100 ms); we build one per
 * simulator and reuse it with the same normalisation (NFKC, all specials),
 * and memoise by text because the same context blocks arrive on every call.
 */
export interface TokenCounter {
  count(text: string): number;
  free(): void;
}

const MEMO_LIMIT = 5_000;

export function createTokenCounter(): TokenCounter {
  let tokenizer: ReturnType<typeof getTokenizer> | undefined;
  const memo = new Map<string, number>();
  return {
    count(text: string): number {
      if (text.length === 0) return 0;
      const key = text.length > 200 ? sha256Hex(text) : text;
      const known = memo.get(key);
      if (known !== undefined) return known;
      tokenizer ??= getTokenizer();
      const n = tokenizer.encode(text.normalize('NFKC'), 'all').length;
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, n);
      return n;
    },
    free() {
      tokenizer?.free();
      tokenizer = undefined;
      memo.clear();
    },
  };
}
