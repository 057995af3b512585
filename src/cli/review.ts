import { type Command, Option } from 'commander';
import type { Config } from '../config.js';

/** `review hash-password`: credentials for the team-lead review pages. */
export function registerReviewCommands(program: Command, _getConfig: () => Config): void {
  program
    .command('review')
    .description('team-lead review pages (served by `ticket-qc serve` under /review)')
    .command('hash-password')
    .description(
      'hash a password for REVIEW_USERS (reads it from the terminal, or the first line of stdin)',
    )
    .option('--name <name>', 'print a whole REVIEW_USERS entry for this user')
    .addOption(
      new Option('--role <role>', 'with --name').choices(['reviewer', 'admin']).default('reviewer'),
    )
    .action(async (o: { name?: string; role: string }) => {
      const { readPassword } = await import('./commands/password.js');
      const { hashPassword } = await import('../decisions/password.js');
      const password = await readPassword('Password: ');
      const hash = await hashPassword(password);
      console.log(o.name ? `${o.name}:${o.role}:${hash}` : hash);
    });
}
