import type { Command } from 'commander';
import type { Config } from '../config.js';
import { withModelAccess } from './support.js';

/** `chief` and `chief run-once`: the chief of staff's loop, or one pass now. */

export function registerChiefCommands(program: Command, getConfig: () => Config): void {
  const chief = program
    .command('chief')
    .description(
      'run the chief of staff: every QC_CHIEF_INTERVAL, turn repeated failures into proposed context diffs',
    )
    .action(async () => {
      const { runChiefProcess } = await import('../../workers/chief-of-staff.js');
      await withModelAccess(getConfig(), (config) => runChiefProcess(config), {
        refuse:
          'the chief of staff would retry the real API and fail; set ANTHROPIC_API_KEY, or ANTHROPIC_BASE_URL to a simulator (`ticket-qc simulator`), or run `ticket-qc dev`',
      });
    });
  chief
    .command('run-once')
    .description('one chief pass now: detect, propose, backtest, store; then exit')
    .action(async () => {
      const { runChiefOnce } = await import('../../workers/chief-of-staff.js');
      const { formatPass } = await import('./proposal-format.js');
      const r = await withModelAccess(getConfig(), (config) => runChiefOnce(config));
      console.log(formatPass(r));
      // Every model call failed and nothing was stored: that is not a quiet pass.
      if ((r.errors?.length ?? 0) > 0 && r.proposals.length === 0) process.exitCode = 1;
    });
}
