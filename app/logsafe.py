"""What a log line may say about an exception: its type and where it was raised, never its text.

Exception messages can carry PHI: a database driver quotes the offending value ("invalid input for query argument
$1: 'Jane'"), a validator the field it refused. Logs get the type, the innermost frames (file:line function) and
the request id the client also sees, so an incident can still be traced to code and request.
"""

from __future__ import annotations

import traceback
from typing import Any


def exception_fields(exc: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where = []
    for frame in frames:
        filename = frame.filename
        if "/site-packages/" in filename:
            filename = filename.split("/site-packages/", 1)[1]
        elif "/app/" in filename:
            filename = "app/" + filename.rsplit("/app/", 1)[1]
        where.append(f"{filename}:{frame.lineno} {frame.name}")
    fields: dict[str, Any] = {"error": type(exc).__name__, "where": where}
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        fields["cause"] = type(cause).__name__
    return fields
