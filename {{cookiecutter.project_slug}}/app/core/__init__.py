"""Configuration, database, Redis and other platform pieces shared by the whole app."""
