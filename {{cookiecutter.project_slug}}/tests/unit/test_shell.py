"""`make shell`: the names it starts with."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Base
from app.shell import namespace
from tests.conftest import make_settings


def test_the_shell_has_settings_db_and_every_model() -> None:
    settings = make_settings()
    names = namespace(settings)
    try:
        assert names["settings"] is settings
        assert isinstance(names["db"], AsyncSession)
        assert callable(names["run"])
        for mapper in Base.registry.mappers:
            assert names[mapper.class_.__name__] is mapper.class_
        assert "select" in names
    finally:
        names["run"](names["resources"].aclose())
        loop = names["run"].__self__
        assert isinstance(loop, asyncio.AbstractEventLoop)
        loop.close()
