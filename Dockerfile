# Producer Portal API. `docker compose up` runs it with PostgreSQL and Mailpit; `docker compose --profile scaled up`
# runs two replicas behind nginx with Redis (see README "Running several instances").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The dependency layer: built from the lock file alone, so a code change reuses it. Every package, the build backend
# included, is pinned with its hashes (`make lock` regenerates requirements.lock from pyproject.toml).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The package itself: nothing left to resolve or download; installs the `portal` command.
COPY pyproject.toml ./
COPY app ./app
RUN pip install --no-deps --no-build-isolation . && rm -rf build *.egg-info

COPY alembic.ini ./
COPY migrations ./migrations
COPY openapi ./openapi

# `portal` finds alembic.ini and migrations/ next to the `app` package, so import it from /app
# (the source tree) rather than from site-packages.
ENV PYTHONPATH=/app \
    PORTAL_HOST=0.0.0.0

RUN useradd --system --create-home --uid 10001 portal \
    && mkdir -p /app/var/uploads \
    && chown -R portal:portal /app/var
USER portal

EXPOSE 8000
# Ready = the database answers (and Redis, when PORTAL_REDIS_URL is set); a 503 from /readyz fails the check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["portal", "serve", "--host", "0.0.0.0"]
