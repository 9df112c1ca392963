"""The polite HTTP layer every source fetches through.

One concern per module: :mod:`.client` (the fetch pipeline), :mod:`.robots`,
:mod:`.ratelimit`, :mod:`.retry`, :mod:`.conditional`, :mod:`.body` (size cap),
:mod:`.decoding` (bounded Content-Encoding), :mod:`.addresses` (which addresses may be
fetched), :mod:`.credentials` (which origin credentials go to), :mod:`.charset`,
:mod:`.blocked`, :mod:`.useragent`, :mod:`.redact`, :mod:`.hosts`.
"""

from monitor._http.charset import decode_body
from monitor._http.client import HttpClient
from monitor._http.conditional import MemoryValidators, ValidatorStore
from monitor._http.redact import redact_text, redact_url
from monitor._http.result import FetchResult, FetchStatus

__all__ = [
    "FetchResult",
    "FetchStatus",
    "HttpClient",
    "MemoryValidators",
    "ValidatorStore",
    "decode_body",
    "redact_text",
    "redact_url",
]
