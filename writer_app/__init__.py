"""Writer: a local-first writing assistant."""

__version__ = "0.1.0"
APP_NAME = "Writer"
