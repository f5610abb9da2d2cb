# One image for the API, the calendar worker and the migrations: they differ only in their
# command (docker-compose.yml and the ECS task definitions set it). The default runs the API.
#
#   docker build -t taskoverflow .
#   docker run --rm -p 127.0.0.1:6400:6400 -e DATABASE_URL=postgres://user:password@host:5432/db taskoverflow
#   docker run --rm -it -e DATABASE_URL=postgres://... taskoverflow node dist/src/queue-demo/main.js \
#     --name csse6400_prac --client-name "Client 1" --receive      # the queue demo (README)
#
# No `# syntax=` line: it would fetch a Dockerfile frontend from Docker Hub on every build; the
# builder's own frontend reads this file. `npm run test:containers` builds it as it is, with
# NODE_IMAGE set to a locally made stand-in (scripts/containers/).

# The official Node image, by tag for people and by digest for the builder: the same bytes on
# every build, whatever the tag points to later. Override to test with a stand-in.
ARG NODE_IMAGE=node:24.21.0-trixie-slim@sha256:8ec5d7557396cfe32d21c3f9c13072355ceab22b584578ca4bb28af31120cffe

# ---- build: every dependency, the TypeScript build, then production dependencies only ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --omit=optional: the only optional packages are the embedded PostgreSQL binaries (~60 MB,
# unused where DATABASE_URL is set) and pg-cloudflare (Cloudflare Workers only). They are also
# the only packages with install scripts, so none need to run.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY db ./db
# The CA bundle that signs every Amazon RDS server certificate, from an npm package the lockfile
# pins by checksum (scripts/rds-ca-bundle.ts), written before the dev dependencies go.
COPY scripts/rds-ca-bundle.ts ./scripts/
RUN node scripts/rds-ca-bundle.ts > rds-global-bundle.pem \
 && npm run build \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund

# ---- runtime: Node, production node_modules, the build output; no compiler, no test tools ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=6400
WORKDIR /app
# For DATABASE_SSL=verify with DATABASE_SSL_CA=/etc/ssl/certs/rds-global-bundle.pem (terraform/
# sets both).
COPY --from=build /app/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# package.json stays: its "type": "module" makes Node load dist/**/*.js as ES modules.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The web page at /: static files, served as they are.
COPY public ./public
# The official image's unprivileged user; the files above stay root-owned, so read-only to it.
USER node
EXPOSE 6400
# One probe for both long-running commands (src/health/probe.ts): a worker started with
# WORKER_HTTP_PORT is asked GET /health (database reachable), the API its liveness route.
# Compose uses it; ECS ignores an image's HEALTHCHECK, so terraform/ecs.tf repeats it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/health/probe.js"]
# Node itself as PID 1's child (compose adds `init: true`), not npm: SIGTERM reaches the app,
# which finishes active requests and jobs before it exits.
CMD ["node", "dist/src/server.js"]
