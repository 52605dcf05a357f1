"""Configuration, database and other platform pieces shared by the whole app."""
