/** The escalation age filters: the page's Age choices and the CLI's --age values (pure, no imports). */
export const AGE_FILTERS: Record<
  string,
  { label: string; olderThanMs?: number; newerThanMs?: number }
> = {
  '': { label: 'Any age' },
  new: { label: 'Last 24 hours', newerThanMs: 86_400_000 },
  gt4h: { label: 'Waiting over 4 hours', olderThanMs: 4 * 3_600_000 },
  gt1d: { label: 'Waiting over 1 day', olderThanMs: 86_400_000 },
  gt3d: { label: 'Waiting over 3 days', olderThanMs: 3 * 86_400_000 },
};
