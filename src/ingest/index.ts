/** The webhook API: HTTP app, source adapters, and the API process. */
export { type AppDeps, buildApp } from './app.js';
export { DEMO_SOURCES, deliverAsWebhooks, signedDelivery } from './demo/deliver.js';
export { ApiError, ERRORS, type ErrorCode } from './errors.js';
export { type IngestOutcome, ingestTicket } from './ingest.js';
export { createMetrics, type IngestMetrics } from './metrics.js';
export type { Lifecycle } from './routes/health.js';
export { type ApiProcess, runApiProcess } from './run.js';
export { createSourceRegistry, VENDOR_SOURCES } from './sources/index.js';
