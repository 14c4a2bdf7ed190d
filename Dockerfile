# Production image of cep: the same code as `cep dev`, built without the embedded
# Temporal server (nodevserver tag), so it is about a quarter of the size and talks to
# the Temporal cluster named by CEP_TEMPORAL_ADDRESS.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -tags nodevserver -trimpath -ldflags="-s -w" -o /out/cep ./cmd/cep

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cep /usr/local/bin/cep
ENV CEP_HTTP_ADDR=0.0.0.0:8080 \
    CEP_DATA_DIR=/tmp/cep \
    CEP_LOG_FORMAT=json
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/cep"]
CMD ["serve"]
