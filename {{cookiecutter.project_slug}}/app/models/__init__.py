"""The models: every module of this package is imported here, so that `Base.metadata` knows
every table (Alembic's autogenerate and the tests read it). A new model file needs no entry."""

import importlib
import pkgutil

from app.models.base import Base

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Base"]
