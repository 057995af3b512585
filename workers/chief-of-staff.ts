import { runChiefProcess } from '../src/chief/run.js';
import { loadConfigOrExit } from '../src/config.js';

await runChiefProcess(loadConfigOrExit());
