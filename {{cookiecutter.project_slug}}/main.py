"""Entry point: `python main.py` runs the development server; `uvicorn main:app` and
`gunicorn main:app` (production, see gunicorn.conf.py) serve the same app."""

import errno
import socket
import sys

import uvicorn

from app.core.config import InvalidSettingsError, get_settings
from app.main import create_app


def port_in_use(host: str, port: int) -> bool:
    """Whether another program listens on host:port (uvicorn would only say "Address
    already in use", without which one)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


if __name__ == "__main__":
    try:
        settings = get_settings()
    except InvalidSettingsError as exc:
        sys.exit(f"main.py: {exc}")
    if port_in_use(settings.HOST, settings.PORT):
        sys.exit(
            f"main.py: port {settings.PORT} on {settings.HOST} is in use (another server?): "
            f"stop it, or choose another port: make dev PORT={settings.PORT + 1} (or PORT in .env)"
        )
    # The server imports this module again as `main`, and serves the app built below.
    uvicorn.run(
        "main:app",
        host=settings.HOST,
        port=settings.PORT,
        reload=settings.is_development,
        log_config=None,
    )
else:
    app = create_app(get_settings())
