# One image for every Portico process; compose picks the process with `command`.
FROM oven/bun:1.4.5
WORKDIR /app
COPY . .
RUN bun install --frozen-lockfile
USER bun
ENV NODE_ENV=production
CMD ["bun", "apps/gateway/src/main.ts"]
