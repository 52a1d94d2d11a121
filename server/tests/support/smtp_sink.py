"""A real SMTP server for the digest tests: aiosmtpd on a loopback port.

    smtp_sink.py FOLDER [--user USER --password PASSWORD] [--refuse-first N]

Prints "PORT <n>" once it listens; writes every message it accepts to FOLDER/<n>.json, read
with Python's email package: the envelope, the decoded headers, the content type, and each
text part decoded; with --user, asks for AUTH (PLAIN or LOGIN, allowed without TLS on loopback) and
refuses other credentials with 535; with --refuse-first N, answers the first N messages with
451 (a passing failure). Stops when its standard input closes.
"""
import argparse
import email
import email.policy
import json
import os
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, refuse):
        self.folder = folder
        self.refuse = refuse
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.count += 1
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                parts[part.get_content_type()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "to": str(message["To"]),
            "from": str(message["From"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        path = os.path.join(self.folder, f"{self.count:04}.json")
        with open(path + ".part", "w") as out:
            json.dump(record, out)
        os.rename(path + ".part", path)
        return "250 2.0.0 Accepted"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        good = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # Not handled here: aiosmtpd answers 535 for a failure.
        return AuthResult(success=good, handled=False)

    return check


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--refuse-first", type=int, default=0)
    args = parser.parse_args()
    options = {}
    if args.user:
        options = dict(
            authenticator=authenticator(args.user, args.password),
            auth_required=True,
            auth_require_tls=False,
        )
    port = free_port()
    controller = Controller(
        Sink(args.folder, args.refuse_first), hostname="127.0.0.1", port=port, **options
    )
    controller.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
