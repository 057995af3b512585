#!/usr/bin/env node
// The `ticket-qc` command: the compiled CLI when built (`npm run build`),
// otherwise the TypeScript source through tsx.
//
// tsx's loader is registered in both cases: the Anthropic simulator is a
// workspace package (@ticket-qc/anthropic-simulator, used by `demo` and
// `simulator`) that exports its TypeScript source, which plain Node 20 cannot
// load. Compiled JavaScript passes through the loader unchanged.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const compiled = new URL('../dist/src/cli/index.js', import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL('../src/cli/index.ts', import.meta.url);
const { main } = await import(entry.href);
await main();
