"""The composition root: everything the app builds once and shares, in one typed object.

`create_app` makes one `Resources` per app and the lifespan opens and closes it; request
providers (`app/api/v1/dependencies.py`) read it. Each concern contributes a part (see
`app/core/lifecycle.py`); the parts of this project are listed below, those that build on
others first.
"""

from dataclasses import dataclass

from app.core.config import Settings
{% for part in cookiecutter | parts("resources") | sort(attribute="module") -%}
from {{ part.module }} import {{ part.name }}
{% endfor %}

@dataclass(frozen=True, eq=False)
class Resources(
{%- for part in cookiecutter | parts("resources") %}
    {{ part.name }},
{%- endfor %}
):
    settings: Settings
