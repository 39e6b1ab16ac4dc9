# syntax=docker/dockerfile:1
# Multi-stage build of overfit: a static binary on a distroless base,
# running as a non-root user, with its host key on the /data volume.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context includes .git (see .dockerignore), so Go stamps the
# commit into the binary and `overfit version` names it. A context without
# .git (a tarball, a git worktree whose .git is a file) builds all the same
# and says "(devel)" and "no commit": -buildvcs=auto never fails for that.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=auto -ldflags="-s -w" -o /out/overfit ./cmd/overfit \
    && /out/overfit version \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/overfit /usr/local/bin/overfit
# The volume starts out owned by the non-root user, so the host key can be
# created on first start.
COPY --from=build --chown=65532:65532 /out/data /data
ENV OVERFIT_DATA_DIR=/data \
    OVERFIT_LISTEN=:2222
VOLUME /data
EXPOSE 2222 8080
USER 65532:65532
# The image has no shell or ssh client: the binary checks its own port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/overfit", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/overfit"]
CMD ["serve"]
