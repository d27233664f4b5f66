# porta in a container: `docker build -t porta .` then
#   docker run --rm -p 8080:8080 -v "$PWD/site:/srv:ro" porta
# Build stage: the full toolchain compiles TypeScript; nothing of it reaches the runtime image.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY src ./src
RUN npx tsc -p tsconfig.json

# Runtime stage: Node, the compiled server and its production dependencies only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
# A page to show until a real document root is mounted over /srv.
COPY examples/site /srv
# The image's unprivileged user; port 8080 needs no privilege.
USER node
EXPOSE 8080
# `porta get` exits 0 when a response arrives and non-zero when none does (refused, time-out);
# the health resource answers 200 whenever the server answers at all. No curl needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["node", "dist/src/cli/main.js", "get", "--timeout", "3", "http://127.0.0.1:8080/.well-known/health"]
# The access log goes to standard output (the default), start-up and errors to standard error.
ENTRYPOINT ["node", "dist/src/cli/main.js"]
# docker stop waits 10 s before SIGKILL: porta finishes what is in flight within 8.
CMD ["serve", "/srv", "--host", "0.0.0.0", "--port", "8080", "--health", "/.well-known/health", "--stop-timeout", "8"]
