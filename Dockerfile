# kubenines in a container, for sharded runs on Kubernetes (deploy/kubernetes/)
# or anywhere else a container runs.
#
#   docker build -t kubenines:0.1.0 .      (or: podman build -t kubenines:0.1.0 .)
#   docker run --rm kubenines:0.1.0 run /opt/kubenines/scenarios/stacked-3.yaml
#
# The `ci` stage is the image for CI jobs (docs/ci.md, "A prebuilt image for
# CI"): the same binary with git and bash, no entrypoint and no USER (root,
# as CI runners expect):
#
#   docker build --target ci -t ghcr.io/your-org/kubenines-ci:0.1.0 .
#
# Images are named in full (docker.io/library/...) so podman needs no
# short-name alias. The build and runtime stages use the same Debian release,
# so the binary finds the glibc it was linked against.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src

# Dependencies first, in a layer that changes only with Cargo.toml and
# Cargo.lock: build them against empty stand-ins for the crate's own sources
# (the manifest names a bench, so it needs a file too; and cargo reads the
# manifest of every path dependency, dev ones included, though it builds
# none of the tests' here).
COPY Cargo.toml Cargo.lock ./
COPY tests/k8s-schema/ tests/k8s-schema/
COPY crates/kubenines-k8s/ crates/kubenines-k8s/
RUN mkdir -p src benches \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && echo 'fn main() {}' > benches/engine.rs \
 && cargo build --release --locked \
 && rm -rf src benches

# The real sources. COPY keeps the files' own times, which can be older than
# the stand-ins' build: touch them so cargo rebuilds the crate.
COPY . .
RUN touch src/lib.rs src/main.rs \
 && cargo build --release --locked \
 && ./target/release/kubenines --version

# For CI jobs: examples/ci/check-changed-scenarios.sh needs git and bash (the
# Debian base has bash). No ENTRYPOINT and no USER, so that GitHub's
# `container:` jobs and GitLab's `image:` run their shell as usual.
FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim AS ci
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/kubenines /usr/local/bin/kubenines
RUN kubenines --version

# The default image (the last stage), for Kubernetes and `docker run`.
FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim
# A numeric USER lets Kubernetes check runAsNonRoot without a runAsUser.
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/kubenines \
        --shell /usr/sbin/nologin kubenines
COPY --from=build /src/target/release/kubenines /usr/local/bin/kubenines
COPY scenarios/ /opt/kubenines/scenarios/
USER 10001:10001
WORKDIR /home/kubenines
ENTRYPOINT ["kubenines"]
CMD ["--help"]
