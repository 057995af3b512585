/**
 * The layer rules of ARCHITECTURE.md, checked by `npm run lint`.
 *
 *   workers/                      process wiring: which loops a process runs
 *   interfaces   src/api  src/web  src/cli
 *   supervision  src/chief  src/eval  src/budget  src/decisions
 *   pipeline     src/queue  src/qc  src/import  src/batches  src/writeback  src/triage
 *   foundations  src/config  src/logger  src/shutdown  src/runtime  src/format
 *                src/db  src/llm  src/ticket  src/context  src/notify
 *
 * Imports go down, never up; siblings that must not know each other are
 * listed below. A type-only import counts: it couples the layers just the same.
 */
const FOUNDATIONS =
  '^src/(config|logger|shutdown|runtime)\\.ts$|^src/(format|db|llm|ticket|context|notify)/';
const PIPELINE = '^src/(queue|qc|import|batches|writeback|triage)/';
const SUPERVISION = '^src/(chief|eval|budget|decisions)/';
const INTERFACES = '^src/(api|web|cli)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'foundations-import-upward',
      comment:
        'Foundations (config, logger, db, llm, ticket, context, notify, format) import only foundations.',
      severity: 'error',
      from: { path: FOUNDATIONS },
      to: { path: [PIPELINE, SUPERVISION, INTERFACES, '^workers/'] },
    },
    {
      name: 'pipeline-imports-upward',
      comment:
        'The pipeline (queue, qc, import, batches) imports only the pipeline and foundations.',
      severity: 'error',
      from: { path: PIPELINE },
      to: { path: [SUPERVISION, INTERFACES, '^workers/'] },
    },
    {
      name: 'supervision-imports-upward',
      comment:
        'Supervision (chief, eval, budget, decisions) never imports an interface or a process.',
      severity: 'error',
      from: { path: SUPERVISION },
      to: { path: [INTERFACES, '^workers/'] },
    },
    {
      name: 'interfaces-start-no-process',
      comment:
        'Only the CLI starts processes (serve, worker, chief, demo); the API and the pages do not.',
      severity: 'error',
      from: { path: '^src/(api|web)/' },
      to: { path: '^workers/' },
    },
    {
      name: 'interfaces-are-siblings',
      comment:
        'The HTTP API, the review pages and the CLI do not import each other; share through a lower layer.',
      severity: 'error',
      from: { path: '^src/(api|web|cli)/' },
      to: { path: '^src/(api|web|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'queue-is-the-bottom-of-the-pipeline',
      comment: 'queue/ knows jobs and Redis, not grading, import, batches, write-back or triage.',
      severity: 'error',
      from: { path: '^src/queue/' },
      to: { path: '^src/(qc|import|batches|writeback|triage)/' },
    },
    {
      name: 'qc-knows-no-history-path',
      comment:
        'qc/ grades one ticket; the history paths (import, batches) build on it, not the reverse.',
      severity: 'error',
      from: { path: '^src/(qc|import)/' },
      to: { path: '^src/batches/' },
    },
    {
      name: 'import-is-not-grading',
      comment: 'import/ reads files into tickets; it does not grade.',
      severity: 'error',
      from: { path: '^src/import/' },
      to: { path: '^src/(qc|batches)/' },
    },
    {
      name: 'decisions-are-the-bottom-of-supervision',
      comment:
        'Reviewer decisions are called by chief, budget, eval, web and CLI; they call none of them.',
      severity: 'error',
      from: { path: '^src/decisions/' },
      to: { path: '^src/(chief|eval|budget)/' },
    },
    {
      name: 'db-is-the-bottom',
      comment:
        'db/ (the only place with SQL) imports only config, logger, ticket and the verdict/vocabulary types of context.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/(llm|notify|format)/|^src/runtime\\.ts$|^src/context/(store|diff|parse)' },
    },
    {
      name: 'ticket-is-pure',
      comment: 'ticket/ is the canonical ticket: it imports no other folder.',
      severity: 'error',
      from: { path: '^src/ticket/' },
      to: { path: '^src/', pathNot: '^src/ticket/' },
    },
    {
      name: 'product-does-not-import-tests',
      severity: 'error',
      from: { path: '^(src|workers|packages)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'simulator-stands-alone',
      comment: 'The Anthropic simulator is its own package: it imports nothing from the product.',
      severity: 'error',
      from: { path: '^packages/anthropic-simulator/' },
      to: { path: '^(src|workers)/' },
    },
    {
      name: 'writeback-reports-not-grades',
      comment:
        'writeback/ delivers stored results to the help desk; grading (qc, triage) hands it rows through the outbox in db/, never by import.',
      severity: 'error',
      from: { path: '^src/writeback/' },
      to: { path: '^src/(qc|triage|import|batches)/' },
    },
    {
      name: 'fake-helpdesk-stands-alone',
      comment: 'The fake help desk is a test double: it imports nothing from the product.',
      severity: 'error',
      from: { path: '^packages/fake-helpdesk/' },
      to: { path: '^(src|workers)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
