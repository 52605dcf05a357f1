"""Entry point: `python main.py` runs the development server; `uvicorn main:app` works too."""

import uvicorn

from app.core.config import get_settings
from app.main import app

__all__ = ["app"]

if __name__ == "__main__":
    settings = get_settings()
    uvicorn.run(
        "app.main:app",
        host=settings.HOST,
        port=settings.PORT,
        reload=settings.is_development,
        log_config=None,
    )
