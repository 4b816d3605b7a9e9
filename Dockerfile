# The Quire web app (`quire serve`), as the web Deployment runs it: uid 10001, read-only root
# filesystem, writable /tmp and media directory from volumes, port 8080.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm ci --no-audit --no-fund \
    && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    QUIRE_PORT=8080 \
    QUIRE_MEDIA_DIR=/var/lib/quire/media
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY --from=build /app/bin ./bin
# Read at run time from beside the code: the stylesheet and the DB pod scripts.
COPY --from=build /app/src/web/assets ./src/web/assets
COPY --from=build /app/src/k8s/database/scripts ./src/k8s/database/scripts
RUN mkdir -p /var/lib/quire/media && chown 10001:10001 /var/lib/quire/media
USER 10001:10001
EXPOSE 8080
VOLUME ["/var/lib/quire/media"]
ENTRYPOINT ["node", "bin/quire.js"]
CMD ["serve"]
