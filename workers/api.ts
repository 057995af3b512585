import { loadConfigOrExit } from '../src/config.js';
import { runApiProcess } from '../src/ingest/run.js';

await runApiProcess(loadConfigOrExit());
