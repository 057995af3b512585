import { z } from 'zod';

/** A gold verdict, kept apart from the ticket for evaluation. */
export const Gold = z.object({
  outcome: z.enum(['pass', 'fail', 'escalate']),
  criteria: z.record(z.string(), z.enum(['met', 'partial', 'missing', 'n/a'])),
  escalations: z.array(z.string()).default([]),
  attributions: z.array(z.object({ agent: z.string(), category: z.string() })).default([]),
  patterns: z.array(z.string()).default([]),
  notes: z.string().optional(),
});
export type Gold = z.infer<typeof Gold>;
