# Workflow Service: build with the dev toolchain, run with production dependencies only.
#   docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) -t workflow-service .
# Node 24, the active LTS, for both stages (the build's npm and the runtime). 22.12+ works too:
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim ...
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# dist/src/main.js, dist/migrations, and the default rules in dist/src/records/rules/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. --omit=optional also leaves out the embedded PostgreSQL
# binaries (60 MB): in a container the service needs DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# npm start's memory flag (README, "Node.js runtime"): semi-spaces of at most 16 MiB (Node 24's
# V8 grows them to 64 MiB on a large host): peak RSS at 50 connections ~290 MiB instead of ~360,
# at no measured CPU cost. No old-space cap: a hard heap limit would turn a burst of large batch
# bodies into an out-of-memory crash. Set after npm ci, which the flag is not meant for.
ENV NODE_OPTIONS="--max-semi-space-size=16"
# Owned by root, run as node: the app cannot rewrite its own code.
USER node

ARG GIT_COMMIT=unknown
ENV GIT_COMMIT=${GIT_COMMIT}

EXPOSE 8000
# Liveness only (no database call); slim images have no curl, so node fetches.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec form: node is PID 1 and gets SIGTERM itself, so shutdown drains gracefully.
CMD ["node", "dist/src/main.js"]
