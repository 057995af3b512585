import type { Command } from 'commander';
import type { Config } from '../config.js';
import { withPool } from './support.js';

/** `migrate` and `context export`: the database and the context files it holds. */
export function registerSetupCommands(program: Command, getConfig: () => Config): void {
  program
    .command('migrate')
    .description(
      'create the database if needed, apply migrations, and seed context/ into context_versions',
    )
    .action(async () => {
      const config = getConfig();
      const { createLogger } = await import('../logger.js');
      const { ensureDatabase, migrate } = await import('../db/migrate.js');
      const { createPool } = await import('../db/pool.js');
      const { seedContext } = await import('../context/store.js');
      const logger = createLogger({ level: config.LOG_LEVEL });
      if (await ensureDatabase(config.DATABASE_URL)) console.log('created database');
      const pool = createPool(config.DATABASE_URL, { logger, max: 2 });
      try {
        const r = await migrate(pool);
        console.log(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'schema up to date');
        const seeded = await seedContext(pool, config.QC_CONTEXT_DIR);
        if (seeded.length) console.log(`seeded context versions: ${seeded.join(', ')}`);
      } finally {
        await pool.end();
      }
    });

  program
    .command('context')
    .description('context files (versions live in PostgreSQL)')
    .command('export')
    .description('write the active context versions back to the context directory')
    .option('--dir <dir>', 'target directory (default QC_CONTEXT_DIR)')
    .action(async (opts: { dir?: string }) => {
      const config = getConfig();
      const { exportContext } = await import('../context/store.js');
      const files = await withPool(config, (pool) =>
        exportContext(pool, opts.dir ?? config.QC_CONTEXT_DIR),
      );
      console.log(`exported ${files.length} files: ${files.join(', ')}`);
    });
}
