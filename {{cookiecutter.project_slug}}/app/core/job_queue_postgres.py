"""Where the job queue lives: in PostgreSQL, the application's database (saq's own tables,
`saq_*`, which the migrations leave alone)."""

from saq import Queue
from sqlalchemy import make_url

from app.core.config import Settings


def create_queue(settings: Settings) -> Queue:
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() != "postgresql":
        raise RuntimeError("the worker keeps its queue in PostgreSQL: set DATABASE_URL to it")
    # saq connects with psycopg: the same database, without SQLAlchemy's driver name.
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return Queue.from_url(libpq_url, name=settings.JOB_QUEUE_NAME, min_size=1, max_size=4)
