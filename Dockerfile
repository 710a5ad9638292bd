# syntax=docker/dockerfile:1
# Build: docker build -t microcred .
# Run:   docker run -p 8000:8000 -v microcred-data:/data \
#          -e MICROCRED_BASE_URL=https://credentials.example.org microcred

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/microcred
COPY pyproject.toml README.md ./
COPY app ./app
COPY issuer ./issuer
COPY verifier ./verifier
COPY keys ./keys
COPY migrations ./migrations
RUN /opt/microcred/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/microcred/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin microcred \
 && mkdir -p /data && chown microcred /data
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
