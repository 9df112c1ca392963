"""Secret redaction for the HTTP layer: see :mod:`monitor.redact`, where it lives."""

from monitor.redact import SECRET_PARAMS, redact_text, redact_url

__all__ = ["SECRET_PARAMS", "redact_text", "redact_url"]
