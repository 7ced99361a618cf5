"""The small exception hierarchy: every error a user can cause says what to fix."""

from __future__ import annotations


class CoachError(Exception):
    """Base of every error Complaint Coach raises on purpose."""

    exit_code = 1


class InputError(CoachError):
    """Bad input from the user (a file, an argument): the CLI exits with 2."""

    exit_code = 2


class TranscriptError(InputError):
    """A transcript that cannot be read; the message names the file and the line or field."""

    def __init__(self, source: str, where: str, reason: str) -> None:
        self.source, self.where, self.reason = source, where, reason
        super().__init__(f"{source}: {where}: {reason}" if where else f"{source}: {reason}")


class DataFileError(InputError):
    """A knowledge, policy, prompt or dataset file that breaks its schema."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path, self.field, self.reason = path, field, reason
        super().__init__(f"{path}: field '{field}': {reason}" if field else f"{path}: {reason}")


class BackendError(CoachError):
    """A chat model cannot run or answer here (the local model's smoke test failed)."""


class ConfigError(InputError):
    """A setting that cannot work (unknown backend, missing model file, bad URL)."""
