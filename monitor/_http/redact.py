"""Secret redaction for the HTTP layer: see :mod:`monitor._redact`, where it lives."""

from monitor._redact import SECRET_PARAMS, redact_text, redact_url

__all__ = ["SECRET_PARAMS", "redact_text", "redact_url"]
