"""Exceptions the library raises; the CLI turns them into messages and exit status 2."""

from __future__ import annotations


class PrefdataError(Exception):
    """A user-facing error: what went wrong, where, and how to fix it."""

    def __init__(self, what: str, *, where: str = "", fix: str = "") -> None:
        self.what, self.where, self.fix = what, where, fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "\n".join(parts)


class SourceError(PrefdataError):
    """The input could not be read."""


class SpecError(PrefdataError):
    """A spec file is invalid."""


class DetectionError(PrefdataError):
    """No layout fits the source (or it is not preference data)."""


class RowError(PrefdataError):
    """A row breaks a rule whose policy is `error` (ties, empty responses...)."""


class OutputError(PrefdataError):
    """The output folder cannot be written."""


class PrefdataWarning(UserWarning):
    """Something the user should know that did not stop the work (the CLI prints `warning: ...`)."""
