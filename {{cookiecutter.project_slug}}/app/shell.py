"""`python -m app.shell` (`make shell`): IPython when it is installed, the standard Python shell
otherwise, started with the settings, the resources, a database session `db`, `select` and
every model. `run(...)` awaits on one event loop for the whole shell:

    >>> run(db.scalars(select(User))).all()
"""

import asyncio
import code
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.core.config import Settings, get_settings
from app.core.resources import Resources
from app.models import Base


def namespace(settings: Settings) -> dict[str, Any]:
    resources = Resources(settings)
    loop = asyncio.new_event_loop()
    run: Callable[..., Any] = loop.run_until_complete
    names: dict[str, Any] = {
        "settings": settings,
        "resources": resources,
        "db": resources.sessionmaker(),
        "select": select,
        "run": run,
    }
    names |= {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    return names


def main() -> None:
    names = namespace(get_settings())
    run, resources = names["run"], names["resources"]  # the shell may clear its names on exit
    banner = (
        "Names: " + ", ".join(sorted(names)) + "\nrun(coroutine) awaits it, e.g. run(db.get(...))"
    )
    try:
        from IPython import start_ipython  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        code.interact(banner=banner, local=names)
    else:
        print(banner)  # noqa: T201
        start_ipython(argv=["--no-banner"], user_ns=names)
    run(resources.aclose())


if __name__ == "__main__":
    main()
