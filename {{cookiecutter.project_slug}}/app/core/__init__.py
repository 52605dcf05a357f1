"""Configuration, database{% if cookiecutter.use_redis %}, Redis{% endif %} and other platform pieces shared by the whole app."""
