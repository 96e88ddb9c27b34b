# RealWorld API image. Targets:
#   runtime  (default, last stage)  gunicorn serving realworld.wsgi:application on :8000
#   loadtest                        locust running loadtest/locustfile.py headless
#
# The base is a build argument so it can be pinned by digest (Renovate keeps the digest fresh,
# see .github/renovate.json) and swapped: `make image-test` builds this same file from a
# Debian stand-in made with debootstrap (python at /usr/bin/python3 instead of
# /usr/local/bin/python3). Everything below therefore calls `python3` through PATH and runs
# the app from a virtualenv whose bin/ comes first on PATH.
# Digest source: docker-library/repo-info repos/python/remote/3.11-slim-bookworm.md.
# checkov:skip=CKV_DOCKER_7: the base is the BASE_IMAGE build argument, a tag pinned by digest
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b

# ---------------------------------------------------------------------------------------------
# Shared runtime settings: non-root user, environment. No build tools, no package caches.
FROM ${BASE_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PORT=8000
# Fixed UID/GID 10001 (matches runAsUser/runAsGroup in the Kubernetes manifests). No home, no
# login shell: the root filesystem is read-only at run time, only /tmp is writable.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app

# ---------------------------------------------------------------------------------------------
# Build stage for the app: a virtualenv from the hash-locked requirements, wheels only.
FROM base AS builder
WORKDIR /build
COPY requirements/base.txt requirements/base.txt
RUN python3 -m venv "$VIRTUAL_ENV" \
    && pip install --require-hashes --only-binary=:all: --no-deps -r requirements/base.txt \
    && pip uninstall --yes setuptools pip \
    && python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash "$VIRTUAL_ENV"

# ---------------------------------------------------------------------------------------------
# Build stage for the load generator: same recipe, requirements/loadtest.txt.
FROM base AS loadtest-builder
WORKDIR /build
COPY requirements/loadtest.txt requirements/loadtest.txt
RUN python3 -m venv "$VIRTUAL_ENV" \
    && pip install --require-hashes --only-binary=:all: --no-deps -r requirements/loadtest.txt \
    && pip uninstall --yes setuptools pip \
    && python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash "$VIRTUAL_ENV"

# ---------------------------------------------------------------------------------------------
# Load generator image (ghcr.io/<owner>/realworld-loadtest). Tune with LOCUST_* env vars.
FROM base AS loadtest
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="realworld-loadtest" \
      org.opencontainers.image.description="Locust load generator for the RealWorld API" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
COPY --from=loadtest-builder /opt/venv /opt/venv
COPY loadtest/ loadtest/
RUN python3 -m compileall -q --invalidation-mode unchecked-hash loadtest
ENV LOCUST_HOST=http://realworld \
    HOME=/tmp
USER 10001:10001
HEALTHCHECK NONE
CMD ["locust", "-f", "loadtest/locustfile.py", "--headless"]

# ---------------------------------------------------------------------------------------------
# Application image (ghcr.io/<owner>/realworld). Default target.
FROM base AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="realworld" \
      org.opencontainers.image.description="RealWorld (Conduit) web app and API in Django and DRF" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY manage.py gunicorn.conf.py ./
COPY realworld/ realworld/
# Static files (the web app's CSS/JS/icons, Swagger UI) collected with content-hashed names
# into /app/static, served by whitenoise. Settings need a database URL and a secret to load:
# throwaway values, nothing connects at build time.
ENV STATIC_ROOT=/app/static
RUN DATABASE_URL=postgres://build@localhost/build DJANGO_SECRET_KEY=build-only-not-a-secret-0123456789abcdef \
    python3 manage.py collectstatic --noinput --verbosity 0
# Bytecode for the app and the interpreter's standard library is written now, at build time:
# at run time the filesystem is read-only and PYTHONDONTWRITEBYTECODE is set.
RUN python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash /app \
    && python3 -m compileall -q -j 0 \
       "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
# Production settings: DEBUG cannot be switched on in this image. The release version
# (semantic-release's, from the build) tags error reports (realworld/errortracking.py).
ENV DJANGO_ENV=production \
    REALWORLD_VERSION=${VERSION}
USER 10001:10001
EXPOSE 8000
# Liveness only (never touches the database). Python, because slim images have no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=2)"]
# Migrations are explicit: `python manage.py migrate --noinput` (compose service `migrate`,
# Kubernetes Job), never a side effect of starting the server.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "realworld.wsgi:application"]
