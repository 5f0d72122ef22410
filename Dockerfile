# syntax=docker/dockerfile:1
# Two images from one file:
#   docker build -t siskin .                                   the operator (the default, last stage)
#   docker build -t siskin-loadtester --target loadtester .    the webhook load tester
# Both run `node dist/...` as the non-root `node` user with production dependencies only.

ARG NODE_IMAGE=node:24-bookworm-slim

# Compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY loadtester ./loadtester
COPY scripts/copy-static.ts ./scripts/
RUN npm run build

# Production dependencies only, shared by both images.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# What both images run: production node_modules, compiled dist/, package.json ("type": "module").
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
EXPOSE 8080

# The load tester runs `bash` tasks such as the tutorial's `curl ... | grep token`, so it carries curl.
FROM runtime AS loadtester
RUN apt-get update \
  && apt-get install -y --no-install-recommends curl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
USER node
ENTRYPOINT ["node", "dist/loadtester/src/main.js"]
CMD ["--port=8080"]

FROM runtime AS operator
USER node
# V8 flags and the malloc setting: src/node-flags.ts says why (a test keeps the two the same).
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["node", "--max-semi-space-size=1", "--expose-gc", "--no-opt", "--no-maglev", "dist/src/main.js"]
