"""Traces (OpenTelemetry, sent over OTLP) and Prometheus metrics."""

from pydantic import Field

from app.core.settings.base import SettingsPart


class ObservabilitySettings(SettingsPart):
    # Traces go over OTLP/HTTP to this collector (e.g. http://otel-collector:4318) when it is set,
    # and nowhere otherwise; the SDK's other OTEL_* variables (headers, sampler) apply too.
    OTEL_EXPORTER_OTLP_ENDPOINT: str = ""
    OTEL_SERVICE_NAME: str = "{{ cookiecutter.project_slug }}"
    # Prometheus metrics on a port of their own, never the API's (0: no metrics server).
    METRICS_PORT: int = Field(default=9464, ge=0, le=65535)
    METRICS_HOST: str = "0.0.0.0"  # noqa: S104  # the pod's own address; the port is not published
