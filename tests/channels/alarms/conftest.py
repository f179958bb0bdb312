"""The live Sigap server of the page tests, for Alertmanager to post to."""

from tests.web.conftest import live_server  # noqa: F401
