# syntax=docker/dockerfile:1
# Build: docker build -t microcred .
# Run:   docker run -p 8000:8000 -v microcred-data:/data \
#          -e MICROCRED_BASE_URL=https://credentials.example.org microcred
#
# The image installs exactly what uv.lock pins (hashes checked), without the dev group. Behind a
# TLS-intercepting proxy, hand the build your CA bundle as a secret; it is used for the
# downloads and never stored in the image:
#   docker build --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt -t microcred .

FROM python:3.11-slim AS build
ARG UV_VERSION=0.13.9
ENV UV_PROJECT_ENVIRONMENT=/opt/microcred \
    UV_PYTHON=python3 \
    UV_PYTHON_PREFERENCE=only-system \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
# uv itself, then the locked dependencies (a layer that only a change to the lock rebuilds).
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then \
      export SSL_CERT_FILE=/run/secrets/ca_bundle PIP_CERT=/run/secrets/ca_bundle; \
    fi \
 && python -m venv /opt/uv \
 && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}" \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-editable --no-install-project
COPY app ./app
COPY issuer ./issuer
COPY verifier ./verifier
COPY keys ./keys
COPY migrations ./migrations
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export SSL_CERT_FILE=/run/secrets/ca_bundle; fi \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin microcred \
  && mkdir -p /data && chown microcred /data && chmod 700 /data
COPY --from=build /opt/microcred /opt/microcred
ENV PATH="/opt/microcred/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    MICROCRED_DATA_DIR=/data
USER microcred
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["microcred", "serve", "--host", "0.0.0.0", "--port", "8000"]
