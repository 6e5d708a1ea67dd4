# syntax=docker/dockerfile:1

# Build a static binary. The rubrics and the OpenAPI description
# are embedded in it, so the runtime image needs nothing else.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/registry ./cmd/registry \
 && mkdir -p /out/data /out/exports

# Run as an unprivileged user on an image with no shell or package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/registry /usr/local/bin/registry
# The folders belong to the image's nonroot user, so named volumes mounted
# there start out writable by it.
COPY --from=build --chown=nonroot:nonroot /out/data /data
COPY --from=build --chown=nonroot:nonroot /out/exports /exports
# Configuration comes from the environment: MONGODB_URI (without it the
# embedded store keeps its files in /data, so mount a volume there),
# REGISTRY_ADDR, REGISTRY_DATA, REGISTRY_EXPORTS, REGISTRY_MODERATION,
# REGISTRY_ADMIN_TOKEN and REGISTRY_SECRET.
ENV REGISTRY_ADDR=0.0.0.0:8080 \
    REGISTRY_DATA=/data \
    REGISTRY_EXPORTS=/exports
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/registry"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]
