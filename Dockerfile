# syntax=docker/dockerfile:1
#
# Passkey-first OpenID Connect provider.
#   docker build -t passkey-idp .
#   docker run -p 3000:3000 -e SECRET_KEYS="$(openssl rand -base64 32)" -v idp-data:/data passkey-idp
# TypeScript runs directly under Node 24's type stripping: there is no compile step.

# ---- build: dependencies (native ones compiled here), browser bundle, then drop dev deps ----
FROM node:24-slim AS build

# better-sqlite3 falls back to node-gyp when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Manifests first, so the dependency layer is reused until they change.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close(); require('argon2')"

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p clients

# ---- runtime: Node and the runtime files only, as the unprivileged `node` user ----
FROM node:24-slim AS runtime

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    CLIENTS_DIR=/app/clients

WORKDIR /app

# Embedded database, dev outbox and dev-generated secrets live here; mount a volume over it.
RUN mkdir -p /data && chown node:node /data

COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/src ./src
COPY --from=build --chown=node:node /app/views ./views
COPY --from=build --chown=node:node /app/public ./public
COPY --from=build --chown=node:node /app/migrations ./migrations
COPY --from=build --chown=node:node /app/clients ./clients

USER node
VOLUME ["/data"]
EXPOSE 3000

# The slim image has no curl: ask Node's fetch. Start period covers migrations on first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "src/main.ts"]
