"""The parts of the settings, one per concern; `app.core.config.Settings` composes them."""
