"""The one exception hierarchy of provtrack.

Library code raises these and chains the cause (``raise ... from err``); only the CLI turns
them into a one-line message and an exit code.
"""

from __future__ import annotations


class ProvtrackError(Exception):
    """Base of every error provtrack raises on purpose; the CLI prints its message."""

    exit_code = 1


class ConfigError(ProvtrackError):
    """A command-line option, setting or URL is invalid (bad --db URL, unknown mode...)."""

    exit_code = 2


class RefusedError(ProvtrackError):
    """An operation the ethics line forbids, such as reproduce mode on a host nobody allowed."""

    exit_code = 3


class StoreError(ProvtrackError):
    """The record store cannot be opened, migrated or written."""


class NotFoundError(ProvtrackError):
    """A record, image or crawl the user named does not exist in the store."""

    exit_code = 4


class IntegrityError(ProvtrackError):
    """The evidence chain or a WARC digest does not match what was recorded."""

    exit_code = 5


class PolicyError(ProvtrackError):
    """A policy pack is malformed; the message names the file, line, rule id and reason."""

    exit_code = 6

    def __init__(self, path: str, line: int | None, rule_id: str | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.rule_id = rule_id
        self.reason = reason
        where = path if line is None else f"{path}:{line}"
        rule = f" rule {rule_id}:" if rule_id else ""
        super().__init__(f"{where}:{rule} {reason}")


class BusyError(ProvtrackError):
    """Another process is writing to the store (a live crawl, or a purge) and this command
    would conflict with it: an opt-out, a purge or a resume refuses instead of waiting."""

    exit_code = 7


class CrawlError(ProvtrackError):
    """A crawl could not start or finish (proxy unreachable, seeds invalid...)."""


class InputError(ConfigError):
    """A dataset manifest, img2dataset folder or web archive cannot be read as given (missing
    column, unknown format, not a WARC); the message names the file and, where known, the row."""
