# Producer Portal API. `docker compose up` runs it with PostgreSQL and Mailpit (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The package and its runtime dependencies (no dev extras); installs the `portal` command.
COPY pyproject.toml ./
COPY app ./app
RUN pip install . && rm -rf build *.egg-info

COPY alembic.ini ./
COPY migrations ./migrations
COPY openapi ./openapi

# `portal` finds alembic.ini and migrations/ next to the `app` package, so import it from /app
# (the source tree) rather than from site-packages.
ENV PYTHONPATH=/app \
    PORTAL_HOST=0.0.0.0

RUN useradd --system --create-home --uid 10001 portal \
    && mkdir -p /app/var \
    && chown portal:portal /app/var
USER portal

EXPOSE 8000
CMD ["portal", "serve", "--host", "0.0.0.0"]
