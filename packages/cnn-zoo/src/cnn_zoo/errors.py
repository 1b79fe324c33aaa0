"""The exceptions cnn-zoo raises, each with a message that says what to do next."""

from __future__ import annotations

from cnn_registry.errors import PlainMessageKeyError


class UnknownCheckpointError(PlainMessageKeyError):
    """A ``scheme://NAME`` whose NAME is in no catalog, or a scheme nobody registered."""


class CatalogError(ValueError):
    """A catalog file that is not a JSON object of names to URLs or paths.

    The message names the file and, for a JSON syntax error, the line and column.
    """


class ChecksumError(ValueError):
    """A downloaded or cached file whose SHA256 does not start with the expected prefix.

    Attributes:
        expected: the hex prefix taken from the file name.
        actual: the file's full SHA256 hex digest.
    """

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class DownloadError(ConnectionError):
    """A download that failed for good: a 4xx answer, or every retry used up."""


class OfflineError(FileNotFoundError):
    """Offline mode is on and the file is not in the cache."""


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint that holds more than tensors and plain containers.

    Loading it would run arbitrary code from the file, so it is refused unless the
    caller passes ``trust=True`` for a file they trust.
    """


class CorruptCheckpointError(ValueError):
    """A file that is not a readable checkpoint (truncated, damaged or another format)."""


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is missing; the message names the ``pip install`` line."""


class StateDictMismatchError(RuntimeError):
    """``load_state_dict(strict=True)`` found missing, unexpected or mis-shaped keys.

    Attributes:
        report: the ``LoadReport`` listing every difference.
    """

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report
