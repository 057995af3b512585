import type { Command } from 'commander';
import type { Config } from '../config.js';

/** `chief` and `chief run-once`: the chief of staff's loop, or one pass now. */

export function registerChiefCommands(program: Command, getConfig: () => Config): void {
  const chief = program
    .command('chief')
    .description(
      'run the chief of staff: every QC_CHIEF_INTERVAL, turn repeated failures into proposed context diffs',
    )
    .action(async () => {
      const { runChiefProcess } = await import('../../workers/chief-of-staff.js');
      await runChiefProcess(getConfig());
    });
  chief
    .command('run-once')
    .description('one chief pass now: detect, propose, backtest, store; then exit')
    .action(async () => {
      const { runChiefOnce } = await import('../../workers/chief-of-staff.js');
      const { formatPass } = await import('./proposal-format.js');
      console.log(formatPass(await runChiefOnce(getConfig())));
    });
}
