import { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Config } from '../../src/config.js';
import { hashPassword } from '../../src/decisions/password.js';
import { createRedis } from '../../src/queue/connection.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { reviewPlugin } from '../../src/web/plugin.js';
import { testConfig } from '../helpers/config.js';
import type { TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

export const USERS = {
  alice: { password: 'alice-password-1', role: 'admin' },
  bob: { password: 'bob-password-1', role: 'reviewer' },
} as const;

export interface ReviewServer {
  app: FastifyInstance;
  url: string;
  config: Config;
  queue: Queue;
  routes: RouteOptions[];
  notices: string[];
  clock: { now: Date };
  close(): Promise<void>;
}

let usersEnv: string | undefined;

/**
 * The review plugin on a Fastify instance set up like the API's (raw-buffer
 * JSON at the root, for webhook signatures), on a real port, with a real
 * queue under a random prefix. onRoute records every route the server has.
 */
export async function startReviewServer(
  db: TestDb,
  env: Record<string, string> = {},
): Promise<ReviewServer> {
  usersEnv ??= (
    await Promise.all(
      Object.entries(USERS).map(
        async ([n, u]) => `${n}:${u.role}:${await hashPassword(u.password)}`,
      ),
    )
  ).join(',');
  const prefix = testPrefix();
  const config = testConfig({
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    REVIEW_USERS: usersEnv,
    SESSION_SECRET: 'test-secret-that-is-long-enough-0123456789',
    ...env,
  });
  const redis: Redis = createRedis(config.REDIS_URL, 'producer');
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's default generics (as the API does).
  const app = Fastify({ loggerInstance: pino({ level: 'silent' }) as FastifyBaseLogger });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_r, body, done) =>
    done(null, body),
  );
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (r) => void routes.push(r));
  const notices: string[] = [];
  const clock = { now: new Date() };
  const logger = pino({ level: 'silent' });
  await app.register(reviewPlugin, {
    prefix: '/review',
    deps: {
      pool: db.pool,
      queue,
      config,
      logger,
      now: () => clock.now,
      notify: async (t) => {
        notices.push(t);
        return true;
      },
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    config,
    queue,
    routes,
    notices,
    clock,
    async close() {
      await app.close();
      await queue.close();
      redis.disconnect();
      await cleanPrefix(prefix);
    },
  };
}

/** Logs in through the form, as a browser would; returns the cookie header and CSRF token. */
export async function login(
  s: ReviewServer,
  name: keyof typeof USERS,
): Promise<{ cookie: string; csrf: string }> {
  const form = await s.app.inject({ method: 'GET', url: '/review/login' });
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const loginCookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await s.app.inject({
    method: 'POST',
    url: '/review/login',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      _csrf: token,
      username: name,
      password: USERS[name].password,
    }).toString(),
  });
  if (res.statusCode !== 303)
    throw new Error(`login failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const jar = res.cookies.filter((c) => c.value);
  return {
    cookie: jar.map((c) => `${c.name}=${c.value}`).join('; '),
    csrf: jar.find((c) => c.name === 'XSRF-TOKEN')?.value ?? '',
  };
}
