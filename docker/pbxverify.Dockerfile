# The pbxverify engine. Build from the repository root (a clean checkout is enough: everything the
# build copies is tracked in git, and .dockerignore keeps a developer's node_modules, dist/ and data/ out):
#   docker build -f docker/pbxverify.Dockerfile -t pbxverify .
# Node 26 is the Active LTS line (to April 2029). The code itself keeps to what Node 20.12 offers
# (package.json "engines"), which is what the test suite runs on.
FROM node:26-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The full image has python3, make and g++ in case a native addon has no prebuilt binary.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# the console UI (Vite builds it into dist/public/console)
COPY console ./console
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
ENV NODE_ENV=production
# Inside a container the engine must listen on every interface of its own network namespace;
# what is reachable from outside is decided by the published ports.
ENV PBXVERIFY_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY sounds ./sounds
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/cli/index.js", "serve"]
