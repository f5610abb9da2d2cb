# syntax=docker/dockerfile:1
# One image for the API, the calendar worker and the migrations: they differ only in their
# command (docker-compose.yml and the ECS task definitions set it). The default runs the API.
#
#   docker build -t taskoverflow .
#   docker run --rm -p 6400:6400 -e DATABASE_URL=postgres://user:password@host:5432/db taskoverflow
#
# test/deploy/ checks this file and repeats the build stage's commands outside Docker
# (npm run build, npm prune) to start the result against a real PostgreSQL.

# ---- build: every dependency, the TypeScript build, then production dependencies only ----
FROM node:24.20.0-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --omit=optional: the only optional packages are the embedded PostgreSQL binaries (~60 MB,
# unused where DATABASE_URL is set) and pg-cloudflare (Cloudflare Workers only). They are also
# the only packages with install scripts, so none need to run.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY db ./db
RUN npm run build && npm prune --omit=dev --omit=optional --no-audit --no-fund

# ---- runtime: Node, production node_modules, the build output; no compiler, no test tools ----
FROM node:24.20.0-trixie-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=6400
WORKDIR /app
# The CA bundle that signs every Amazon RDS server certificate, for DATABASE_SSL=verify with
# DATABASE_SSL_CA=/etc/ssl/certs/rds-global-bundle.pem (what terraform/ sets). Downloads are
# private (0600) unless told otherwise, and the app does not run as root.
ADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# package.json stays: its "type": "module" makes Node load dist/**/*.js as ES modules.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The web page at /: static files, served as they are.
COPY public ./public
# The official image's unprivileged user; the files above stay root-owned, so read-only to it.
USER node
EXPOSE 6400
# Slim images have no curl: Node asks the API itself. Compose shows the result; ECS ignores an
# image's HEALTHCHECK (the ALB's target group checks the same path there).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 6400) + '/api/v1/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself as PID 1's child (compose adds `init: true`), not npm: SIGTERM reaches the app,
# which finishes active requests and jobs before it exits.
CMD ["node", "dist/src/server.js"]
