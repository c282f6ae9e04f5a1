# syntax=docker/dockerfile:1
# The ncn-operator image: built with the Swift toolchain, run on a slim Debian with nothing but
# the operator, the system libsecp256k1 it links and CA certificates, as a non-root user.
#
#   docker build -t ghcr.io/nostr-compute/ncn-operator:dev .
#
# (The development machines of this project have no Docker engine and no registry access, so
# this file is not built there; the manifests refer to the image by name only.)

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# libsecp256k1-dev: BIP-340 Schnorr signatures and ECDH for Nostr (the CSecp256k1 system library).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsecp256k1-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not refetch them. Package.resolved is optional
# (the bracket makes COPY accept its absence).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
COPY Sources ./Sources
# A static Swift runtime: the runtime image needs no Swift toolchain libraries.
RUN swift build -c release --product ncn-operator --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/ncn-operator" /out/ncn-operator

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsecp256k1-1 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ncn-operator /usr/local/bin/ncn-operator
# Numeric, so the kubelet can verify runAsNonRoot; the Deployment runs as the same id.
USER 65532:65532
# Health and readiness probes, and Prometheus metrics.
EXPOSE 8081 9090
ENTRYPOINT ["/usr/local/bin/ncn-operator"]
