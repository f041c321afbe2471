"""Errors Confidante raises. Each message says what happened and what to do next,
and never quotes what a person said.

ConfidanteError
 +-- InputError            a message the listener cannot take (empty, too long, binary)
 +-- SessionEndedError     the session is over; start a new one
 +-- ConfigError           a setting is missing or wrong
 +-- VoiceError            a voice failed (server unreachable, model missing)
 |    +-- VoiceTimeoutError  (voices.base) it did not answer within its timeouts
 |    +-- VoiceBusyError     (voices.base) a local model was busy with another reply
 +-- DataFileError         a packaged data file is malformed (names file and line)
 +-- VaultError            the regulars' vault
      +-- WrongKeyError    wrong passphrase or recovery phrase
      +-- TamperedError    a record failed authentication
      +-- NotFoundError    no regular with that handle
      +-- VaultBusyError   another writer holds the record
"""

from __future__ import annotations


class ConfidanteError(Exception):
    """Base of every error Confidante raises on purpose."""


class InputError(ConfidanteError):
    """A message the listener cannot take; the session goes on."""


class SessionEndedError(ConfidanteError):
    """The session has ended and keeps nothing; start a new one."""


class ConfigError(ConfidanteError):
    """A setting is missing or has a wrong value."""


class VoiceError(ConfidanteError):
    """A voice could not phrase a reply."""


class DataFileError(ConfidanteError):
    """A packaged data file is malformed; the message names the file and line."""


class VaultError(ConfidanteError):
    """Something went wrong in the regulars' vault."""


class WrongKeyError(VaultError):
    """The passphrase or recovery phrase does not open this record."""


class TamperedError(VaultError):
    """A sealed record failed authentication: it was changed or truncated."""


class NotFoundError(VaultError):
    """No regular with that handle."""


class VaultBusyError(VaultError):
    """Another writer holds the record; try again."""
