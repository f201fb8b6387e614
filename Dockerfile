# Passkey-first OpenID Connect provider.
#   docker build -t passkey-idp .
#   docker run -p 3000:3000 -e SECRET_KEYS="$(openssl rand -base64 32)" \
#     -v idp-data:/data -v "$PWD/clients:/app/clients:ro" passkey-idp
# TypeScript runs directly under Node 24's type stripping: there is no compile step.
#
# No `# syntax=` line and no BuildKit-only instruction (`RUN --mount`, `COPY --link`, heredocs): a
# syntax line makes BuildKit pull a frontend image before building, which fails offline, and the
# legacy builder (DOCKER_BUILDKIT=0, some CI runners) rejects `--mount`. BuildKit's built-in
# frontend would accept `RUN --mount=type=cache` without the line, but the npm cache it kept only
# sped up rebuilds after a lockfile change; the layer cache below already reuses `npm ci` otherwise.

# ---- build: dependencies (native ones compiled here), browser bundle, then drop dev deps ----
FROM node:24-slim AS build

# better-sqlite3 falls back to node-gyp when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Manifests first, so the dependency layer is reused until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close(); require('argon2')"

COPY . .
# Last, chmod: readable by everyone and writable by root only, whatever the umask of the checkout
# was, since the runtime stage copies these as root-owned files that `node` must still read.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p clients \
 && chmod -R u=rwX,go=rX /app

# ---- runtime: Node and the runtime files only, as the unprivileged `node` user ----
FROM node:24-slim AS runtime

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    CLIENTS_DIR=/app/clients

WORKDIR /app

# The app's files belong to root: the process, running as `node`, can read its code but not
# rewrite it. Only /data (embedded database, outbox, dev-generated secrets) is node's; mount a
# volume over it.
RUN mkdir -p /data /app/clients && chown node:node /data

COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/src ./src
COPY --from=build /app/views ./views
COPY --from=build /app/public ./public
COPY --from=build /app/migrations ./migrations
# The example client files, for reference only: CLIENTS_DIR (/app/clients) stays empty until the
# operator mounts a folder of client files over it, so production never registers the examples.
COPY --from=build /app/clients ./clients.example

USER node
VOLUME ["/data"]
EXPOSE 3000

# The slim image has no curl: ask Node's fetch. Start period covers migrations on first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# The heap settings of `npm start` (test/packaging.test.ts keeps the two alike): the young
# generation bounded instead of sized from the host's memory, the old one grown by 60 % of what is
# live between full collections instead of up to four times it. They trade a little peak throughput
# for about half the memory (README, Memory); overriding CMD with plain `node src/main.ts` trades back.
CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=60", "src/main.ts"]
