"""qabot: answers questions about historical texts by quoting them, with citations."""

__version__ = "0.1.0"
