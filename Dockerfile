# The image a Docker work pool runs opsaudit's flows in (see deploy/prefect-docker.yaml and
# README "Scaling out"). The dependencies are the locked ones of uv.lock, nothing else.
#   docker build -t opsaudit:latest .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/opsaudit
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
RUN uv sync --frozen --no-editable --python /usr/local/bin/python3 && rm -rf /root/.cache

COPY flows ./flows
COPY prefect.yaml ./

# no configuration or token is baked in: mount the configuration and point OPSAUDIT_CONFIG
# at it; tokens come from the Prefect Secret blocks (or the job's environment)
RUN useradd --create-home opsaudit
USER opsaudit
