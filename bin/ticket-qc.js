#!/usr/bin/env node
// The `ticket-qc` command: the compiled CLI when built (`npm run build`),
// otherwise the TypeScript source through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/index.js', import.meta.url);
if (existsSync(compiled)) {
  const { main } = await import(compiled.href);
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL('../src/cli/index.ts', import.meta.url).href);
  await main();
}
