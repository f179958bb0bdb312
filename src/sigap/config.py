"""Settings from SIGAP_* environment variables, with defaults that run on one laptop."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_secret() -> str:
    # A stable secret per checkout so sessions survive restarts of the demo server.
    path = Path("var/secret_key")
    try:
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        return value
    except OSError:
        return secrets.token_urlsafe(48)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGAP_", extra="ignore")

    database_url: str = "sqlite:///var/sigap.db"
    secret_key: str = Field(default_factory=_default_secret)
    redis_url: str | None = None
    default_locale: str = "id"
    default_timezone: str = "Asia/Jakarta"
    session_max_age_seconds: int = 12 * 3600
    token_max_age_seconds: int = 24 * 3600
    # How long a server process keeps a resolved caller (auth/identity.py); 0 turns it off.
    auth_cache_seconds: float = 5.0
    cookie_secure: bool = False
    sql_echo: bool = False
    # Tier 1 agents may open the 360 of a customer they identified by an exact contact
    # or service id for this long (the contact in progress), see customers.service.
    identify_grant_hours: int = 12
    # The embedded task queue file; next to the SQLite database when unset. Ignored when
    # redis_url is set (the queue then lives in Redis, shared by every machine).
    huey_path: str | None = None
    # Worker threads of the task consumer (`sigap worker`, and inside `sigap serve`).
    worker_threads: int = 2
    # Threads that run the sync routes of one server process. Python runs one at a time;
    # more threads than this only add switching (see docs/benchmarks.md).
    request_threads: int = 8
    # WhatsApp Cloud API: the app secret signs deliveries (X-Hub-Signature-256), the verify
    # token answers Meta's subscription check, the access token calls the Graph API.
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_access_token: str = ""
    graph_base_url: str = "https://graph.facebook.com/v21.0"
    # Facebook page / Messenger: the same Meta rules with the page app's own secrets.
    facebook_app_secret: str = ""
    facebook_verify_token: str = ""
    facebook_page_token: str = ""
    # X Account Activity API: the consumer secret signs deliveries and answers the CRC.
    x_consumer_secret: str = ""
    x_access_token: str = ""
    x_api_base_url: str = "https://api.x.com"
    # Call recordings whose CTI reference is a relative path: stored under this folder
    # (served by Sigap), else linked on the PBX's recording server at this base URL.
    recording_dir: str = ""
    recording_base_url: str = ""
    # Where links in messages to customers point (the CSAT survey page).
    public_base_url: str = "http://127.0.0.1:8000"
    # CSAT (D15.11): how long a survey link is valid, which scores count as satisfied,
    # and the WhatsApp number id surveys of voice tickets go out from ("" = the number of
    # the latest WhatsApp conversation).
    csat_valid_days: int = 7
    csat_satisfied_min: int = 4
    csat_whatsapp_account: str = ""
    # Scheduled reports go out by SMTP from here (empty host: not sent, the run says so).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls, ssl, none
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "sigap@localhost"


@lru_cache
def get_settings() -> Settings:
    return Settings()
