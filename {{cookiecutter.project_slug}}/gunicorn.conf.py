"""gunicorn settings for production; `gunicorn main:app` reads this file from the working directory.

Every value can be changed through the environment; the defaults suit one container.
SIGTERM stops gunicorn gracefully: workers finish their requests for up to
GUNICORN_GRACEFUL_TIMEOUT seconds, which must stay below the grace period the platform
allows between SIGTERM and SIGKILL.
"""

import os

from app.core.logging import logging_config

worker_class = "uvicorn_worker.UvicornWorker"
# All interfaces: inside a container the port is only reachable as it is published.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
# Worker heartbeats in memory: works with a read-only root filesystem.
SHARED_MEMORY = "/dev/shm"  # noqa: S108  # the container's own tmpfs, not a shared temp folder
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY

# No control socket: the container's home is read-only, and the platform manages the workers.
control_socket_disable = True

# The app writes its own access log (RequestContextMiddleware), without query strings.
accesslog = None
logconfig_dict = logging_config(
    json_logs=os.environ.get("ENVIRONMENT", "production") != "development",
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
