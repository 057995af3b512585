import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHIEF_QUEUE } from '../../src/chief/scheduler.js';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  scale?: number;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
}

const text = readFileSync('docker-compose.yml', 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const s = compose.services;
const APP = ['migrate', 'api', 'qc-worker', 'chief-of-staff'] as const;

/** `KEY=value` lines of .env.example: what a user's .env holds. */
const envExample = Object.fromEntries(
  readFileSync('.env.example', 'utf8')
    .split('\n')
    .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]),
) as Record<string, string>;

/** What Compose does with `${VAR}`, `${VAR:-default}` and `${VAR:?error}` for the given variables. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name, op, arg) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return op === '-' ? arg : '';
  });
}
const envOf = (name: string, vars: Record<string, string> = {}) =>
  Object.fromEntries(
    Object.entries(s[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]),
  );

function dockerCompose(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], {
    encoding: 'utf8',
    // Only what the test hands in: the developer's shell must not fill the gaps.
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return r.error ? undefined : r;
}

describe('docker-compose.yml', () => {
  it('runs Redis with AOF and noeviction, and PostgreSQL with a health check', () => {
    const redisCmd = ((s.redis?.command as string[] | undefined) ?? []).join(' ');
    expect(s.redis?.image).toMatch(/^redis:/);
    expect(redisCmd).toContain('--appendonly yes');
    expect(redisCmd).toContain('--maxmemory-policy noeviction');
    expect(s.postgres?.image).toMatch(/^postgres:/);
  });

  it('builds the app image from the Dockerfile in the repo and runs each role from it', () => {
    expect(existsSync('Dockerfile')).toBe(true);
    for (const [name, cmd] of [
      ['api', 'serve'],
      ['qc-worker', 'worker'],
      ['chief-of-staff', 'chief'],
      ['migrate', 'migrate'],
    ] as const) {
      const svc = s[name];
      expect(svc, name).toBeDefined();
      expect(svc?.build, name).toBe('.');
      expect(svc?.image, name).toBe('ticket-qc:latest');
      expect(svc?.command, name).toEqual([cmd]);
    }
    expect(s['qc-worker']?.deploy?.replicas).toBeGreaterThan(1);
  });

  it('the Dockerfile gives npm ci every workspace package.json, and the image every package', () => {
    // No Docker engine here: the build is checked by reading it. `npm ci` refuses a
    // workspace lock file unless each workspace's package.json is in place.
    const docker = readFileSync('Dockerfile', 'utf8');
    const ci = docker.indexOf('RUN npm ci');
    expect(ci).toBeGreaterThan(0);
    const workspaces = readdirSync('packages', { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(workspaces.length).toBeGreaterThan(0);
    for (const w of workspaces) {
      const copy = docker.indexOf(`COPY packages/${w}/package.json ./packages/${w}/`);
      expect(copy, w).toBeGreaterThan(0);
      expect(copy, w).toBeLessThan(ci);
      expect(docker, w).toContain(`COPY packages/${w}/src ./packages/${w}/src`);
    }
    expect(docker).toContain('COPY --from=build /app/packages ./packages');
  });

  it('starts the app only after its dependencies are healthy and migrated', () => {
    for (const name of ['api', 'qc-worker', 'chief-of-staff']) {
      const deps = s[name]?.depends_on ?? {};
      expect(deps.postgres?.condition, name).toBe('service_healthy');
      expect(deps.redis?.condition, name).toBe('service_healthy');
      expect(deps.migrate?.condition, name).toBe('service_completed_successfully');
      expect(s[name]?.environment?.DATABASE_URL, name).toContain('@postgres:5432/');
      expect(s[name]?.environment?.REDIS_URL, name).toBe('redis://redis:6379');
    }
  });

  it('the environment it passes is valid config with the product defaults when .env is empty', async () => {
    const { loadConfig, ConfigSchema } = await import('../../src/config.js');
    const defaults = loadConfig({});
    for (const name of ['api', 'qc-worker', 'chief-of-staff']) {
      const env = envOf(name, { POSTGRES_PASSWORD: 'pw' });
      const c = loadConfig(env);
      expect(c.QC_GRADE_ON_STATUS, name).toEqual(defaults.QC_GRADE_ON_STATUS);
      expect(c.QC_DEBOUNCE, name).toBe(defaults.QC_DEBOUNCE);
      expect(c.QC_MODEL, name).toBe(defaults.QC_MODEL);
      expect(c.QC_STRONG_MODEL, name).toBe(defaults.QC_STRONG_MODEL);
      expect(c.QC_NIGHTLY_CRON, name).toBe(defaults.QC_NIGHTLY_CRON);
      expect(c.ANTHROPIC_API_KEY, name).toBeUndefined();
      for (const key of Object.keys(env)) {
        if (!key.startsWith('WEBHOOK_SECRET_'))
          expect(Object.keys(ConfigSchema.shape), key).toContain(key);
      }
    }
    expect(s.api?.environment?.HOST).toBe('0.0.0.0');
  });

  it('passes every setting the config schema reads, each defaulting to the product default', () => {
    const keys = Object.keys(ConfigSchema.shape);
    expect(keys.length).toBeGreaterThan(40);
    const defaults = loadConfig({}) as Record<string, unknown>;
    // Set on purpose: the container network, the production build.
    const chosen = ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'HOST'];
    for (const name of APP) {
      const passed = Object.keys(s[name]?.environment ?? {});
      expect(keys.filter((k) => !passed.includes(k), name)).toEqual([]);
      const c = loadConfig(envOf(name, { POSTGRES_PASSWORD: 'pw' })) as Record<string, unknown>;
      for (const key of keys.filter((k) => !chosen.includes(k))) {
        // An empty budget coerces to 0, which budget/spend.ts `limitOf` reads as "no budget".
        const none = key.startsWith('QC_BUDGET_') ? 0 : undefined;
        expect(c[key] ?? none, `${name} ${key}`).toEqual(defaults[key] ?? none);
      }
      expect(c.NODE_ENV, name).toBe('production');
    }
  });

  it('writes no password: PostgreSQL’s comes from .env and is required', () => {
    expect(text).not.toMatch(/postgres:\/\/[^:\s]+:(?!\$\{)[^@\s]+@/);
    expect(s.postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    for (const name of APP) {
      expect(s[name]?.environment?.DATABASE_URL, name).toContain('${POSTGRES_PASSWORD:?');
      expect(envOf(name, envExample).DATABASE_URL, name).toBe(
        `postgres://ticketqc:${envExample.POSTGRES_PASSWORD}@postgres:5432/ticket_qc`,
      );
    }
    expect(() => envOf('api')).toThrow(/POSTGRES_PASSWORD is required/);
    expect(envExample.POSTGRES_PASSWORD).toBeDefined();
  });

  it('health-checks every long-running service; QC worker replicas under Compose v1 and v2', () => {
    for (const name of ['postgres', 'redis', 'api', 'qc-worker', 'chief-of-staff']) {
      expect(s[name]?.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    expect(s['qc-worker']?.healthcheck?.test?.at(-1)).toBe('qc');
    expect(s['chief-of-staff']?.healthcheck?.test?.at(-1)).toBe('chief');
    // v2 reads deploy.replicas, v1 reads scale; v2 refuses the two when they differ.
    expect(s['qc-worker']?.scale).toBe(s['qc-worker']?.deploy?.replicas);
  });

  it('the worker health check is healthy exactly while this host holds a BullMQ worker for the queue', async () => {
    const [, , , script] = s['qc-worker']?.healthcheck?.test ?? [];
    expect(script).toContain('CLIENT');
    const prefix = `tqc-compose-${process.pid}-${Date.now()}`;
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker(QC_QUEUE, async () => {}, { connection, prefix });
    const check = (queue: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['-e', String(script), queue], {
          env: { PATH: process.env.PATH ?? '', QUEUE_PREFIX: prefix, REDIS_URL: redisUrl },
          stdio: 'ignore',
        });
        child.on('exit', (code) => resolve(code));
      });
    try {
      await worker.waitUntilReady();
      expect(await check(QC_QUEUE)).toBe(0);
      expect(await check(CHIEF_QUEUE)).toBe(1);
    } finally {
      await worker.close();
      const keys = await connection.keys(`${prefix}:*`);
      if (keys.length > 0) await connection.del(...keys);
      await connection.quit();
    }
    expect(await check(QC_QUEUE)).toBe(1);
  });

  it('every command in the file is a real CLI command', async () => {
    const { buildCli } = await import('../../src/cli/index.js');
    const names = buildCli().commands.map((c) => c.name());
    for (const svc of Object.values(s)) {
      const cmd = Array.isArray(svc.command) ? svc.command[0] : undefined;
      if (svc.image === 'ticket-qc:latest' && cmd) expect(names).toContain(cmd);
    }
  });

  it('passes `docker-compose config` where the tool is installed', () => {
    const r = dockerCompose(['--env-file', '.env.example', 'config', '-q']);
    if (!r) {
      // CI installs docker-compose; a developer machine may not have it.
      console.warn('docker-compose not installed; structural checks above still ran');
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('under `docker-compose config` (v1): every setting resolved, no password without .env, replicas', () => {
    const r = dockerCompose(['--env-file', '.env.example', 'config']);
    if (!r) return;
    expect(r.status, r.stderr).toBe(0);
    const resolved = parse(r.stdout) as { services: Record<string, Service> };
    for (const name of APP) {
      const env = resolved.services[name]?.environment ?? {};
      for (const key of Object.keys(ConfigSchema.shape))
        expect(env, `${name} ${key}`).toHaveProperty(key);
      expect(env.DATABASE_URL).toContain(`:${envExample.POSTGRES_PASSWORD}@postgres:5432/`);
    }
    expect(resolved.services['qc-worker']?.scale).toBe(3);
    const compat = dockerCompose(['--env-file', '.env.example', '--compatibility', 'config']);
    expect(compat?.status, compat?.stderr).toBe(0);
    const missing = dockerCompose(['config', '-q']);
    expect(missing?.status).not.toBe(0);
    expect(missing?.stderr).toContain('set POSTGRES_PASSWORD in .env');
  });
});
