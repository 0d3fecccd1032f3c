# svs worker image: slim Python, Debian's Tesseract and OCR-B font, a non-root user, `svs worker` by default.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OMP_THREAD_LIMIT=1

# The same Debian packages as `make setup` installs: one list, system-packages.txt.
COPY system-packages.txt /tmp/system-packages.txt
RUN apt-get update \
 && grep -v '^\s*#' /tmp/system-packages.txt | grep -v '^\s*$' \
    | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/system-packages.txt

WORKDIR /app
# the exact versions svs was tested with, each file checked against its hash; then svs itself, nothing more
COPY requirements.lock ./
RUN pip install --no-compile --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY svs ./svs
COPY workers ./workers
COPY models ./models
ENV SVS_MODELS_DIR=/app/models \
    SVS_LOCK_FILE=/app/requirements.lock
# the folder where svs keeps the signing key it makes when none is named (compose mounts a shared volume there)
RUN pip install --no-compile --no-deps . && useradd --create-home --uid 10001 svs \
    && mkdir -p /home/svs/.local/share/svs && chown -R svs:svs /home/svs/.local

USER svs
# Prometheus metrics of all worker processes (SVS_METRICS_PORT); liveness from the workers' heartbeat file
EXPOSE 9191
ENV SVS_HEARTBEAT_FILE=/tmp/svs-worker.heartbeat
# the exporter listens on every interface inside the container, for the cluster's scraper
ENV SVS_METRICS_HOST=0.0.0.0
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s CMD ["svs", "health", "live"]
ENTRYPOINT ["svs"]
CMD ["worker"]
