export type { FakeHelpdesk, FakeHelpdeskOptions } from './server.js';
export { startFakeHelpdesk } from './server.js';
export type { Fault, RecordedRequest, StoredNote, Vendor } from './types.js';
export { VENDORS } from './types.js';
