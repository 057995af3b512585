import { type Config, loadConfig } from '../../src/config.js';
import { REDIS_URL } from './urls.js';

/** A validated config for tests: the same schema as production, test values. */
export function testConfig(env: Record<string, string | undefined>): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    REDIS_URL,
    ANTHROPIC_MAX_RETRIES: '4',
    ANTHROPIC_MAX_RETRY_WAIT: '200ms',
    ANTHROPIC_TIMEOUT: '10s',
    ...env,
  });
}
