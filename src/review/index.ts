/**
 * Team-lead review: the /review pages (reviewPlugin), the CLI commands, the
 * audit log, and the decisions on proposals and overrides they share.
 */
export { type AuditEntry, audit, listAudit } from './audit.js';
export { hashPassword, verifyPassword } from './auth/password.js';
export { registerReviewCommands } from './cli.js';
export {
  approveProposal,
  DecisionError,
  listVersions,
  rejectProposal,
  restoreVersion,
} from './decisions.js';
export type { ReviewDeps, Reviewer, Role } from './deps.js';
export { addOverride, listOverrides, type Override, resolveTicketRef } from './overrides.js';
export { type ReviewPluginOptions, registerReview, reviewPlugin } from './plugin.js';
