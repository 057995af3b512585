import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';

/** The record_verdict schema in the shape VOCAB.md fixes, for the simulator tests. */

export const CRITERIA = [
  'problem_statement',
  'work_requested',
  'work_performed',
  'root_cause',
  'resolution_verified',
  'follow_up',
  'time_entries',
  'customer_communication',
  'classification',
  'no_secrets',
] as const;
export const RULES = [
  'security_incident',
  'data_loss',
  'legal_or_churn_threat',
  'billing_dispute',
  'vip_or_sla_breach',
  'grader_instruction',
  'cannot_judge',
] as const;
export const PATTERNS = [
  'password_reset_no_identity_check',
  'reboot_no_root_cause',
  'printer_no_model_or_asset',
  'vpn_no_client_version',
  'closed_without_customer_confirmation',
  'mailbox_full_no_retention_advice',
  'onboarding_missing_license_details',
  'backup_failure_not_retested',
  'time_logged_without_notes',
  'duplicate_ticket_not_linked',
  'outage_no_incident_link',
  'credentials_in_notes',
] as const;
const TRIAGE_CATEGORIES = [
  'insufficient_detail',
  'wrong_priority',
  'wrong_category',
  'missing_asset_info',
  'no_impact_statement',
] as const;

/** A verdict schema in the shape VOCAB.md fixes, built the way the product builds it (zod → JSON Schema). */
export function verdictZod(criteria: readonly string[] = CRITERIA) {
  return z.object({
    outcome: z.enum(['pass', 'fail', 'escalate']),
    score: z.number().int().min(0).max(100),
    criteria: z
      .array(
        z.object({
          criterion: z.enum(criteria as [string, ...string[]]),
          result: z.enum(['met', 'partial', 'missing', 'n/a']),
          evidence: z.string().max(500),
          missing: z.string().max(500),
        }),
      )
      .length(criteria.length),
    missing_information: z.array(z.string()),
    escalations: z.array(z.object({ rule: z.enum(RULES), reason: z.string() })),
    attributions: z.array(
      z.discriminatedUnion('agent', [
        z.object({
          agent: z.literal('triage'),
          category: z.enum(TRIAGE_CATEGORIES),
          note: z.string(),
        }),
      ]),
    ),
    patterns: z.array(z.enum(PATTERNS)),
    confidence: z.number().min(0).max(1),
    summary: z.string().min(1),
  });
}

export function verdictSchema(criteria: readonly string[] = CRITERIA): Anthropic.Tool.InputSchema {
  const { $schema: _drop, ...schema } = z.toJSONSchema(verdictZod(criteria)) as Record<
    string,
    unknown
  >;
  return schema as Anthropic.Tool.InputSchema;
}

export type Verdict = z.infer<ReturnType<typeof verdictZod>>;
