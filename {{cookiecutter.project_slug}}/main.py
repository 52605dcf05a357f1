"""Entry point: `python main.py` runs the development server; `uvicorn main:app` and
`gunicorn main:app` (production, see gunicorn.conf.py) serve the same app."""

import sys

import uvicorn

from app.core.config import InvalidSettingsError, get_settings
from app.main import create_app

if __name__ == "__main__":
    try:
        settings = get_settings()
    except InvalidSettingsError as exc:
        sys.exit(f"main.py: {exc}")
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
