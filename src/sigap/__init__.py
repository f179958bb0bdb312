"""Sigap: runs an outsourced contact center end to end."""

__version__ = "0.1.0"
