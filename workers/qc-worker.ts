import { loadConfigOrExit } from '../src/config.js';
import { runWorkerProcess } from '../src/qc/run.js';

await runWorkerProcess(loadConfigOrExit());
