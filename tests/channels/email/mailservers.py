"""Real mail servers for the email tests: Debian's Dovecot (IMAP) and aiosmtpd (SMTP).

Dovecot runs from a throwaway configuration on a free loopback port, with its own run,
state and mail directories, so it never touches a system installation.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_dovecot_binary() -> str:
    if not os.access(DOVECOT, os.X_OK):
        raise RuntimeError(f"{DOVECOT} not found: run `make mailserver` (Debian dovecot-imapd)")
    return DOVECOT


_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u/Maildir
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class Dovecot:
    """One Dovecot IMAP server on 127.0.0.1 for the life of a test session."""

    def __init__(self) -> None:
        self.binary = require_dovecot_binary()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sigap-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> None:
        owner = pwd.getpwnam("dovecot")
        os.chmod(self.root, 0o755)
        for sub in ("run", "state"):
            (self.root / sub).mkdir(mode=0o755)
        mail = self.root / "mail"
        mail.mkdir()
        os.chown(mail, owner.pw_uid, owner.pw_gid)
        # One passwd file per user: a shared file re-read by mtime could miss a user added
        # within the same second.
        (self.root / "users").mkdir(mode=0o755)
        config = self.root / "dovecot.conf"
        config.write_text(_CONFIG.format(root=self.root, port=self.port, uid=owner.pw_uid,
                                         gid=owner.pw_gid))
        self.process = subprocess.Popen([self.binary, "-F", "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        errors = b""
        if self.process is not None and self.process.stderr is not None \
                and self.process.poll() is not None:
            errors = self.process.stderr.read() or b""
        text = path.read_text(errors="replace") if path.exists() else ""
        return (text + errors.decode(errors="replace"))[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self, name: str, password: str) -> None:
        path = self.root / "users" / name
        path.write_text(f"{name}:{{PLAIN}}{password}\n")
        os.chmod(path, 0o644)

    def client(self, user: str, password: str) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(user, password)
        return client

    def append(self, user: str, password: str, raw: bytes, folder: str = "INBOX",
               flags: tuple[bytes, ...] = ()) -> int | None:
        """Append one message; returns its UID (from APPENDUID) when the server gives it."""
        with self.client(user, password) as c:
            reply = c.append(folder, raw, flags=flags)
        return _appenduid(reply)

    def uids(self, user: str, password: str, folder: str = "INBOX") -> list[int]:
        with self.client(user, password) as c:
            c.select_folder(folder, readonly=True)
            return sorted(int(u) for u in c.search(["ALL"]))

    def flags(self, user: str, password: str,
              folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client(user, password) as c:
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            if not uids:
                return {}
            return {int(k): tuple(v) for k, v in c.get_flags(uids).items()}

    def uidvalidity(self, user: str, password: str, folder: str = "INBOX") -> int:
        with self.client(user, password) as c:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def clear(self, user: str, password: str, folder: str = "INBOX") -> None:
        with self.client(user, password) as c:
            c.select_folder(folder)
            uids = c.search(["ALL"])
            if uids:
                c.delete_messages(uids)
                c.expunge()

    def create_folder(self, user: str, password: str, folder: str) -> None:
        with self.client(user, password) as c:
            c.create_folder(folder)

    def fetch(self, user: str, password: str, uid: int, folder: str = "INBOX") -> bytes:
        with self.client(user, password) as c:
            c.select_folder(folder, readonly=True)
            return bytes(c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"])


def _appenduid(reply: bytes | str) -> int | None:
    # "[APPENDUID <uidvalidity> <uid>] Append completed."
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    if text.startswith("[APPENDUID "):
        parts = text[1:].split("]", 1)[0].split()
        if len(parts) == 3 and parts[2].isdigit():
            return int(parts[2])
    return None


@dataclass
class ImapAccount:
    """A fresh mailbox user on the test Dovecot, with helpers over IMAPClient."""

    server: Dovecot
    user: str = field(default_factory=lambda: f"u{uuid.uuid4().hex[:10]}")
    password: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    def _client(self) -> IMAPClient:
        return self.server.client(self.user, self.password)

    def append(self, raw: bytes, folder: str = "INBOX",
               flags: tuple[bytes, ...] = ()) -> int | None:
        return self.server.append(self.user, self.password, raw, folder, flags)

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        with self._client() as c:
            for raw in raws:
                c.append(folder, raw)

    def uids(self, folder: str = "INBOX") -> list[int]:
        return self.server.uids(self.user, self.password, folder)

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        return self.server.flags(self.user, self.password, folder)

    def clear_flags(self, folder: str = "INBOX") -> None:
        with self._client() as c:
            c.select_folder(folder)
            uids = c.search(["ALL"])
            if uids:
                c.remove_flags(uids, [b"\\Seen"])

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return self.server.uidvalidity(self.user, self.password, folder)

    def clear(self, folder: str = "INBOX") -> None:
        self.server.clear(self.user, self.password, folder)

    def create_folder(self, folder: str) -> None:
        self.server.create_folder(self.user, self.password, folder)

    def fetch(self, uid: int, folder: str = "INBOX") -> bytes:
        return self.server.fetch(self.user, self.password, uid, folder)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.sink.lock:
            if self.sink.failures:
                self.sink.failures -= 1
                code = self.sink.failure_code
                return f"{code} {'4.3.0 try again later' if code < 500 else '5.7.1 refused'}"
            content = envelope.original_content or envelope.content or b""
            raw = content if isinstance(content, bytes) else content.encode()
            self.sink.messages.append(Received(str(envelope.mail_from),
                                               [str(r) for r in envelope.rcpt_tos], raw))
        return "250 OK"


class SmtpSink:
    """An SMTP server on loopback that keeps what it receives and can be told to fail."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.failures = 0
        self.failure_code = 451
        self.controller: Any = Controller(_Handler(self), hostname=self.host, port=self.port)

    def fail_next(self, n: int, code: int = 451) -> None:
        with self.lock:
            self.failures, self.failure_code = n, code

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
