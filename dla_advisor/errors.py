"""One exception tree for user-facing errors, and the process exit codes.

User errors subclass :class:`DlaAdvisorError`; the CLI prints them as one line that says what to do
next and exits with :data:`EXIT_USAGE`. A broken invariant is an :class:`InternalError`, which does
*not* subclass the user-facing base, so it keeps its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class DlaAdvisorError(Exception):
    """A problem with the user's input or environment; ``hint`` says what to do next."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """Message and hint as one line: control characters from user text (a layer named with a
        newline, an escape sequence in a log line) are written as escapes, never acted on."""
        text = self.message.rstrip(".")
        return printable(f"{text}. {self.hint}" if self.hint else f"{text}.")


# Everything str.splitlines() breaks at, and the other C0 controls (an ESC starts a terminal sequence).
_CONTROL = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in (*range(0x20), 0x7f, 0x85, 0x2028, 0x2029)
            if c != 0x09}
_CONTROL.update({0x0a: "\\n", 0x0d: "\\r"})


def first_line(e: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message, cut at ``limit`` (its type's name when it says nothing).

    Libraries underneath (onnxruntime, onnx, SQLAlchemy) raise pages of text; a one-line error quotes
    only what leads.
    """
    lines = str(e).strip().splitlines()
    return lines[0][:limit] if lines else type(e).__name__


def printable(text: str) -> str:
    """``text`` with line breaks and control characters written as escapes (``\\n``, ``\\x1b``)."""
    return text.translate(_CONTROL)


class UsageError(DlaAdvisorError):
    """A malformed option value (``--shapes``, ``--inputIOFormats``, ``--plan`` ...)."""


class ModelLoadError(DlaAdvisorError):
    """The model file is missing, unreadable, not ONNX, or uses something we cannot analyse."""


class PlatformFileError(DlaAdvisorError):
    """A platform file is unknown or invalid."""

    def __init__(self, message: str, hint: str | None = None, path: str | None = None, key: str | None = None):
        super().__init__(message, hint)
        self.path = path
        self.key = key


class RuleFileError(DlaAdvisorError):
    """A rule, device or other data file under ``rules/`` (or ``--rules DIR``) is invalid."""

    def __init__(self, message: str, hint: str | None = None, path: str | None = None,
                 line: int | None = None, key: str | None = None):
        super().__init__(message, hint)
        self.path = path
        self.line = line
        self.key = key


class ArtifactParseError(DlaAdvisorError):
    """A file is not a TensorRT artifact we can read."""

    def __init__(self, message: str, hint: str | None = None, path: str | None = None, line: int | None = None):
        super().__init__(message, hint)
        self.path = path
        self.line = line


class BackendUnavailable(DlaAdvisorError):
    """A measurement backend cannot run here (TensorRT or trtexec missing)."""


class BackendFailed(DlaAdvisorError):
    """A measurement ran and failed (build error, crash, unparsable output)."""


class InternalError(Exception):
    """A bug in dla-advisor. Deliberately not a DlaAdvisorError: it must keep its traceback."""
