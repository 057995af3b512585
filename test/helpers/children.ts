import { afterAll, afterEach, beforeEach } from 'vitest';
import { childHooks } from './process.js';

// A setup file (vitest.config.ts): every test file kills the child processes
// it started — those of a test after that test, those of beforeAll at the end.
beforeEach(childHooks.beforeEach);
afterEach(childHooks.afterEach);
afterAll(childHooks.afterAll);
