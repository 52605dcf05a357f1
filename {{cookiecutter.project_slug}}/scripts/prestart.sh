#!/bin/sh
# Run once before each release starts (a one-shot container or job, or by hand): wait for
{%- if cookiecutter.auth_mode != "none" %}
# the database, apply the migrations, then create the first superuser when
# FIRST_SUPERUSER_EMAIL and FIRST_SUPERUSER_PASSWORD are set.
{%- else %}
# the database, then apply the migrations.
{%- endif %}
# Settings come from the environment, as for the app (DATABASE_URL, {% if cookiecutter.auth_mode != "none" %}SECRET_KEY, {% endif %}...).
set -eu

python -m app.prestart
{%- if cookiecutter.auth_mode != "none" %}
python -m app.cli create-superuser
{%- endif %}
echo "prestart: done"
