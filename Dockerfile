# syntax=docker/dockerfile:1
# bizenv: one static binary. Build with `docker build -t bizenv .` from the
# repository root (deploy/docker-compose.yml does).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/bizenv ./cmd/bizenv

# Alpine rather than distroless: its busybox wget lets the compose
# healthcheck ask /readyz. The image needs a DSN (BIZENV_DATABASE_URL): it
# carries no PostgreSQL server for the zero-setup mode.
# It renders no page itself: the monthly report's HTML is drawn by the
# reader's browser, which needs a CJK font (fonts-noto-cjk on Debian), and
# `make report-png` runs on a machine with chromium and fonts-noto-cjk.
FROM alpine:3.22
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 10001 bizenv \
 && adduser -S -D -H -u 10001 -G bizenv bizenv
COPY --from=build /out/bizenv /usr/local/bin/bizenv
ENV TZ=Asia/Shanghai
USER 10001:10001
EXPOSE 9817
ENTRYPOINT ["/usr/local/bin/bizenv"]
CMD ["serve"]
