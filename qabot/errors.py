"""Domain errors: each carries a one-line message and the exit code the shells use."""

from __future__ import annotations


class QabotError(Exception):
    """Base class: a failure the user can act on, reported as one line (exit 1)."""

    exit_code: int = 1


class ConfigError(QabotError):
    """A setting has a bad value or a configuration file cannot be read (exit 2)."""

    exit_code = 2


class QuestionError(QabotError):
    """The question is empty, too long or otherwise unusable (exit 2)."""

    exit_code = 2


class CorpusError(QabotError):
    """A corpus file or directory cannot be read or parsed."""


class ModelError(QabotError):
    """The embedding model cannot be found or loaded."""


class IndexMissingError(QabotError):
    """No index has been built yet."""


class IndexMismatchError(QabotError):
    """The index was built from another corpus, model or chunking configuration."""


class IndexCorruptError(QabotError):
    """An index file is damaged or inconsistent with its manifest."""


class IndexReadOnlyError(QabotError):
    """The embeddings folder cannot be written: the index cannot be built or updated
    here (a read-only volume, a shared install). Questions still get answers from the
    last whole index, when there is one."""


class NetworkError(QabotError):
    """A service qabot needs cannot be reached: Discord, a model hub (exit 3)."""

    exit_code = 3
