/**
 * Models the simulator answers for. Aliases resolve to their dated id, and the
 * prompt cache is keyed by the dated id (an alias and its snapshot share a
 * cache, as they do on the API). `minCacheTokens` is the shortest prefix the
 * API will cache for that model; shorter prefixes silently report 0 and 0.
 */

export type ModelClass = 'haiku' | 'sonnet' | 'opus';

export interface ModelInfo {
  id: string;
  aliases: readonly string[];
  displayName: string;
  modelClass: ModelClass;
  minCacheTokens: number;
  maxOutputTokens: number;
  createdAt: string;
}

export const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-haiku-4-5-20251001',
    aliases: ['claude-haiku-4-5'],
    displayName: 'Claude Haiku 4.5',
    modelClass: 'haiku',
    minCacheTokens: 4096,
    maxOutputTokens: 64_000,
    createdAt: '2025-10-01T00:00:00Z',
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5'],
    displayName: 'Claude Sonnet 4.5',
    modelClass: 'sonnet',
    minCacheTokens: 1024,
    maxOutputTokens: 64_000,
    createdAt: '2025-09-29T00:00:00Z',
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: [],
    displayName: 'Claude Sonnet 4.6',
    modelClass: 'sonnet',
    minCacheTokens: 1024,
    maxOutputTokens: 64_000,
    createdAt: '2026-02-17T00:00:00Z',
  },
  {
    id: 'claude-opus-4-5-20251101',
    aliases: ['claude-opus-4-5'],
    displayName: 'Claude Opus 4.5',
    modelClass: 'opus',
    minCacheTokens: 4096,
    maxOutputTokens: 64_000,
    createdAt: '2025-11-01T00:00:00Z',
  },
  {
    id: 'claude-opus-4-1-20250805',
    aliases: ['claude-opus-4-1'],
    displayName: 'Claude Opus 4.1',
    modelClass: 'opus',
    minCacheTokens: 1024,
    maxOutputTokens: 32_000,
    createdAt: '2025-08-05T00:00:00Z',
  },
  {
    id: 'claude-3-5-haiku-20241022',
    aliases: ['claude-3-5-haiku-latest'],
    displayName: 'Claude Haiku 3.5',
    modelClass: 'haiku',
    minCacheTokens: 2048,
    maxOutputTokens: 8_192,
    createdAt: '2024-10-22T00:00:00Z',
  },
];

const byName = new Map<string, ModelInfo>();
for (const model of MODELS) {
  byName.set(model.id, model);
  for (const alias of model.aliases) byName.set(alias, model);
}

export function findModel(name: string): ModelInfo | undefined {
  return byName.get(name);
}

/** Default noise multiplier per class: stronger models disagree with the rules less often. */
const CLASS_NOISE_FACTOR: Record<ModelClass, number> = { haiku: 1, sonnet: 0.4, opus: 0.4 };

export function effectiveNoise(
  model: ModelInfo,
  requested: string,
  noise: number,
  modelNoise: Record<string, number>,
): number {
  const override = modelNoise[requested] ?? modelNoise[model.id];
  if (override !== undefined) return override;
  return noise * CLASS_NOISE_FACTOR[model.modelClass];
}
