# ticket-qc application image: API, QC workers and the chief of staff all run
# from it with different commands (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The root package.json declares the workspace packages/*: npm ci needs each
# workspace's package.json in place to install from the lock file.
COPY package.json package-lock.json ./
COPY packages/anthropic-simulator/package.json ./packages/anthropic-simulator/
COPY packages/fake-helpdesk/package.json ./packages/fake-helpdesk/
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
COPY packages/anthropic-simulator/src ./packages/anthropic-simulator/src
COPY packages/fake-helpdesk/src ./packages/fake-helpdesk/src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# node_modules/@ticket-qc/{anthropic-simulator,fake-helpdesk} link to packages/*,
# which ship TypeScript source (the demo's stand-ins): bin/ticket-qc.js registers tsx (a runtime
# dependency) before loading the compiled CLI, so `demo` and `simulator` work.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY context ./context
COPY examples ./examples
USER node
ENTRYPOINT ["node", "bin/ticket-qc.js"]
CMD ["--help"]
