#!/usr/bin/env python3
"""Developer check for smtp_server.py (not part of the Swift suite).

Starts the server on free ports in a temporary directory and drives it with
Python's smtplib (TLS contexts trust only DIR/ca.pem; verification is never
turned off) and with the system curl (/usr/bin/curl, the libcurl Quarry's
email connector uses): STARTTLS/SMTPS/plain, the AUTH rules, MIME parsing of
what arrived, the fault controls.

    ~/.cache/quarry/venv/bin/python scripts/testservers/check_smtp_server.py

Prints one line per check and ends with `N passed, M failed`; exits 1 on any failure.
"""

from __future__ import annotations

import base64
import json
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from typing import Any

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_server.py")
CURL = "/usr/bin/curl"
USER = "quarry"
PASSWORD = "smtp-standin-password-0001"
HOST = "127.0.0.1"
LOCAL = "check.quarry.test"  # our EHLO name; smtplib would otherwise ask for the FQDN

passed = 0
failed = 0


def check(condition: bool, what: str, detail: Any = "") -> bool:
    global passed, failed
    if condition:
        passed += 1
        print(f"  ok    {what}")
    else:
        failed += 1
        print(f"  FAIL  {what}: {detail}")
    return bool(condition)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, state: str):
        self.state = state
        self.ports = {name: free_port() for name in ("starttls", "tls", "plain", "control")}
        self.log_path = os.path.join(state, "server.log")
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        command = [sys.executable, SERVER, "--state-dir", self.state,
                   "--starttls-port", str(self.ports["starttls"]), "--tls-port", str(self.ports["tls"]),
                   "--plain-port", str(self.ports["plain"]), "--control-port", str(self.ports["control"])]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early, see {self.log_path}")
            try:
                if self.http("GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not become healthy, see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://{HOST}:{self.ports['control']}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def messages(self) -> dict:
        return self.http("GET", "/_messages")[1]

    def fault(self, **spec: Any) -> None:
        status, body = self.http("POST", "/_faults", spec)
        assert status == 200, (status, body)


def tls_context(ca: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca)  # CERT_REQUIRED + check_hostname
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    return context


def rich_message() -> tuple[EmailMessage, dict]:
    text = "Grüße aus Quarry ✓\nZeile zwei.\n.a line that starts with a dot\n"
    html = "<html><body><p>Grüße aus <b>Quarry</b> ✓</p></body></html>\n"
    attachment = bytes(range(256)) * 3 + b"\r\n.\r\n\x00end"
    csv = "id,name\n1,Jürgen\n"
    message = EmailMessage()
    message["From"] = "Quarry Sender <sender@example.org>"
    message["To"] = "Ann Example <ann@example.org>"
    message["Cc"] = "cc@example.org"
    message["Bcc"] = "hidden@example.org"
    message["Subject"] = "Bericht: Grüße ✓"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="quarry.test")
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="base64")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="blob.bin")
    message.add_attachment(csv, subtype="csv", filename="table.csv", cte="base64")
    return message, {"text": text, "html": html, "attachment": attachment, "csv": csv}


def lf(text: str | None) -> str | None:
    return text.replace("\r\n", "\n") if text is not None else None


def part(record: dict, content_type: str) -> dict | None:
    return next((p for p in record.get("parts", []) if p["content_type"] == content_type), None)


def error_code(call) -> tuple[int | None, str]:
    """Runs call(); returns the SMTP code and message of the smtplib error it raised, or (None, '')."""
    try:
        call()
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return code, text.decode(errors="replace")
    except smtplib.SMTPResponseException as error:
        return error.smtp_code, error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
    return None, ""


def simple(subject: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["To"] = "b@example.org"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="quarry.test")
    message.set_content(f"body of {subject}\n")
    return message


def starttls_session(server: Server, context: ssl.SSLContext, login: bool = True, timeout: float = 10) -> smtplib.SMTP:
    client = smtplib.SMTP(HOST, server.ports["starttls"], local_hostname=LOCAL, timeout=timeout)
    client.starttls(context=context)
    client.ehlo()  # smtplib.auth() does not EHLO again after STARTTLS, and takes aiosmtpd's "503 send EHLO first" as success
    if login:
        client.login(USER, PASSWORD)
    return client


def curl(*arguments: str, timeout: float = 15) -> subprocess.CompletedProcess:
    return subprocess.run([CURL, "--silent", "--show-error", *arguments], capture_output=True, text=True, timeout=timeout)


def run(server: Server, state: str) -> None:
    ca = os.path.join(state, "ca.pem")
    context = tls_context(ca)
    ports = server.ports

    print("startup")
    with open(os.path.join(state, "ready.json")) as file:
        ready = json.load(file)
    check(ready.get("starttls_port") == ports["starttls"] and ready.get("tls_port") == ports["tls"]
          and ready.get("plain_port") == ports["plain"] and ready.get("control_port") == ports["control"]
          and ready.get("user") == USER and ready.get("password") == PASSWORD and ready.get("ca") == ca,
          "ready.json names the ports, credentials and CA", ready)
    check(server.http("GET", "/healthz") == (200, {"ok": True}), "GET /healthz is 200")
    check(server.messages() == {"messages": [], "message_ids": {}, "rejected": []}, "no messages at start", server.messages())

    print("STARTTLS port")
    with smtplib.SMTP(HOST, ports["starttls"], local_hostname=LOCAL, timeout=10) as client:
        client.ehlo()
        check(client.has_extn("starttls") and not client.has_extn("auth"),
              "before STARTTLS: STARTTLS offered, AUTH not", client.esmtp_features)
        token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        code, text = client.docmd("AUTH", "PLAIN " + token)
        check(code == 538, "AUTH before STARTTLS refused (538)", (code, text))
        code, text = client.docmd("MAIL", "FROM:<a@example.org>")
        check(code == 530, "MAIL before STARTTLS/AUTH refused (530)", (code, text))
        client.starttls(context=context)
        client.ehlo()
        check(client.has_extn("auth") and set(client.esmtp_features["auth"].split()) >= {"PLAIN", "LOGIN"},
              "after STARTTLS: AUTH PLAIN LOGIN offered", client.esmtp_features.get("auth"))
        code, text = client.docmd("MAIL", "FROM:<a@example.org>")
        check(code == 530, "MAIL after STARTTLS without AUTH refused (530)", (code, text))
        code, text = error_code(lambda: client.login(USER, "wrong-password"))
        check(code == 535, "wrong password refused (535)", (code, text))
        code, text = error_code(lambda: client.login("someone-else", PASSWORD))
        check(code == 535, "wrong user refused (535)", (code, text))

    with smtplib.SMTP(HOST, ports["starttls"], local_hostname=LOCAL, timeout=10) as client:
        client.starttls(context=context)
        client.ehlo()
        client.user, client.password = USER, "wrong-password"
        code, text = error_code(lambda: client.auth("LOGIN", client.auth_login, initial_response_ok=False))
        check(code == 535, "wrong password via AUTH LOGIN refused (535)", (code, text))

    message, source = rich_message()
    message_id = message["Message-ID"]
    with starttls_session(server, context) as client:
        refused = client.send_message(message)
    check(refused == {}, "STARTTLS + AUTH PLAIN: multipart message accepted", refused)
    received = server.messages()
    records = received["messages"]
    check(len(records) == 1, "one message recorded", len(records))
    record = records[-1] if records else {}
    check(record.get("mode") == "starttls" and record.get("port") == ports["starttls"] and record.get("tls") is True
          and record.get("user") == USER and record.get("auth_mechanism") == "PLAIN",
          "recorded: mode starttls, TLS on, user quarry, mechanism PLAIN",
          {k: record.get(k) for k in ("mode", "port", "tls", "user", "auth_mechanism")})
    check(record.get("mail_from") == "sender@example.org"
          and sorted(record.get("rcpt_tos", [])) == ["ann@example.org", "cc@example.org", "hidden@example.org"],
          "envelope: MAIL FROM and every RCPT TO (Bcc too)", (record.get("mail_from"), record.get("rcpt_tos")))
    headers = record.get("headers", {})
    check(headers.get("Message-ID") == message_id and record.get("message_id") == message_id
          and headers.get("Subject") == "Bericht: Grüße ✓" and headers.get("Cc") == "cc@example.org"
          and headers.get("To") == "Ann Example <ann@example.org>" and headers.get("MIME-Version") == "1.0"
          and headers.get("Date") and "Bcc" not in dict(record.get("header_list", [])),
          "headers parsed (Message-ID, decoded Subject, To, Cc, Date, MIME-Version; no Bcc)", headers)
    mime = record.get("mime") or {}
    check(mime.get("content_type") == "multipart/mixed"
          and [p["content_type"] for p in mime.get("parts", [])] == ["multipart/alternative", "application/octet-stream", "text/csv"]
          and [p["content_type"] for p in mime["parts"][0].get("parts", [])] == ["text/plain", "text/html"],
          "MIME tree: mixed[alternative[plain, html], octet-stream, csv]", json.dumps(mime)[:400])
    plain, html = part(record, "text/plain"), part(record, "text/html")
    check(plain is not None and plain["charset"] == "utf-8" and plain["content_kind"] == "text"
          and plain["transfer_encoding"] == "quoted-printable" and lf(plain["content"]) == source["text"]
          and lf(record.get("text")) == source["text"],
          "text/plain part decoded (QP, utf-8, dot line intact)", plain)
    check(html is not None and html["charset"] == "utf-8" and lf(html["content"]) == source["html"]
          and lf(record.get("html")) == source["html"]
          and base64.b64decode(html["bytes_base64"]) == source["html"].encode(),
          "text/html part decoded (base64, byte for byte)", html)
    blob = part(record, "application/octet-stream")
    check(blob is not None and blob["disposition"] == "attachment" and blob["filename"] == "blob.bin"
          and blob["content_kind"] == "base64" and base64.b64decode(blob["content"]) == source["attachment"]
          and blob["size"] == len(source["attachment"]),
          "binary attachment byte for byte, filename and disposition", blob and {k: blob[k] for k in ("disposition", "filename", "size")})
    table = part(record, "text/csv")
    check(table is not None and table["filename"] == "table.csv" and table["disposition"] == "attachment"
          and table["content"] == source["csv"] and base64.b64decode(table["bytes_base64"]) == source["csv"].encode(),
          "text attachment decoded as text, byte for byte", table)
    check(received.get("message_ids") == {message_id: 1}, "message_ids counts it once", received.get("message_ids"))

    with starttls_session(server, context, login=False) as client:
        client.user, client.password = USER, PASSWORD
        client.auth("LOGIN", client.auth_login, initial_response_ok=False)
        client.send_message(simple("via AUTH LOGIN"))
    record = server.messages()["messages"][-1]
    check(record["headers"]["Subject"] == "via AUTH LOGIN" and record["auth_mechanism"] == "LOGIN" and record["user"] == USER,
          "AUTH LOGIN works", {k: record[k] for k in ("auth_mechanism", "user")})

    print("SMTPS port")
    with smtplib.SMTP_SSL(HOST, ports["tls"], local_hostname=LOCAL, context=context, timeout=10) as client:
        client.ehlo()
        check(client.has_extn("auth") and not client.has_extn("starttls"), "SMTPS: AUTH offered, STARTTLS not", client.esmtp_features)
        code, text = client.docmd("MAIL", "FROM:<a@example.org>")
        check(code == 530, "SMTPS: MAIL without AUTH refused (530)", (code, text))
        code, text = error_code(lambda: client.login(USER, "wrong-password"))
        check(code == 535, "SMTPS: wrong password refused (535)", (code, text))
        client.login(USER, PASSWORD)
        client.send_message(simple("over SMTPS"))
    record = server.messages()["messages"][-1]
    check(record["headers"]["Subject"] == "over SMTPS" and record["mode"] == "tls" and record["tls"] is True
          and record["user"] == USER and record["port"] == ports["tls"],
          "SMTPS: message recorded with mode tls, TLS on, user quarry", {k: record[k] for k in ("mode", "tls", "user", "tls_version")})
    with socket.create_connection((HOST, ports["tls"]), timeout=5) as raw:
        with tls_context(ca).wrap_socket(raw, server_hostname="localhost") as wrapped:
            check(wrapped.recv(100).startswith(b"220 "), "SMTPS certificate also valid for `localhost`")

    print("plain port")
    with smtplib.SMTP(HOST, ports["plain"], local_hostname=LOCAL, timeout=10) as client:
        client.ehlo()
        check(not client.has_extn("auth") and not client.has_extn("starttls"), "plain: neither STARTTLS nor AUTH offered", client.esmtp_features)
        client.send_message(simple("in the clear"))
    record = server.messages()["messages"][-1]
    check(record["headers"]["Subject"] == "in the clear" and record["mode"] == "plain" and record["tls"] is False and record["user"] is None,
          "plain: accepted without AUTH, recorded with TLS off and no user", {k: record[k] for k in ("mode", "tls", "user")})

    print("faults")
    server.http("POST", "/_reset")
    check(server.messages() == {"messages": [], "message_ids": {}, "rejected": []}, "POST /_reset clears messages")
    status, body = server.http("POST", "/_faults", {"reply": "451 4.3.0 try again later", "times": 1, "at": "DATA"})
    check(status == 200 and body["faults"] == [{"at": "DATA", "times": 1, "reply": "451 4.3.0 try again later", "delay": None, "mode": None}],
          "POST /_faults answers the pending faults", (status, body))
    with starttls_session(server, context) as client:
        code, text = error_code(lambda: client.send_message(simple("first try", "<retry@quarry.test>")))
    check(code == 451 and "try again later" in text, "451 fault at DATA seen by the client", (code, text))
    seen = server.messages()
    check(seen["messages"] == [] and len(seen["rejected"]) == 1 and seen["rejected"][0]["stage"] == "DATA"
          and seen["rejected"][0]["reply"] == "451 4.3.0 try again later",
          "rejected attempt listed, nothing recorded", seen["rejected"])
    check(server.http("GET", "/_faults")[1] == {"faults": []}, "the fault is spent")
    with starttls_session(server, context) as client:
        refused = client.send_message(simple("second try", "<retry@quarry.test>"))
    check(refused == {} and server.messages()["message_ids"] == {"<retry@quarry.test>": 1}, "the next session succeeds", server.messages()["message_ids"])

    server.fault(reply="550 5.1.1 no such user", at="RCPT", times=2)
    for attempt in (1, 2):
        with starttls_session(server, context) as client:
            code, text = error_code(lambda: client.send_message(simple(f"rcpt {attempt}")))
        check(code == 550 and "no such user" in text, f"550 fault at RCPT, session {attempt} of 2", (code, text))
    with starttls_session(server, context) as client:
        check(client.send_message(simple("rcpt 3")) == {}, "third session past the RCPT fault succeeds")

    server.fault(reply="421 4.7.0 slow down", at="MAIL", mode="tls")
    with starttls_session(server, context) as client:
        check(client.send_message(simple("mode filter")) == {}, "a fault for mode tls does not touch the STARTTLS port")
    with smtplib.SMTP_SSL(HOST, ports["tls"], local_hostname=LOCAL, context=context, timeout=10) as client:
        client.login(USER, PASSWORD)
        code, text = error_code(lambda: client.send_message(simple("mail fault")))
    check(code == 421, "421 fault at MAIL on the SMTPS port", (code, text))

    status, body = server.http("POST", "/_faults", {"at": "HELO", "reply": "500 x"})
    check(status == 400, "a fault at an unknown stage is refused (400)", (status, body))
    server.fault(reply="451 4.3.0 later", times=5)
    check(server.http("DELETE", "/_faults") == (200, {"faults": []}) and server.http("GET", "/_faults")[1] == {"faults": []},
          "DELETE /_faults clears them")

    server.fault(delay=1.5, at="DATA")
    started = time.monotonic()
    with starttls_session(server, context) as client:
        refused = client.send_message(simple("delayed", "<delayed@quarry.test>"))
    took = time.monotonic() - started
    check(refused == {} and 1.4 <= took < 4, "delay fault holds the DATA reply (then 250)", f"{took:.2f}s")
    record = server.messages()["messages"][-1]
    check(record["message_id"] == "<delayed@quarry.test>" and record["delayed"] == 1.5, "delayed message recorded with delayed=1.5", record["delayed"])

    server.fault(delay=3, at="DATA")
    client = starttls_session(server, context, timeout=0.7)
    started = time.monotonic()
    try:
        client.send_message(simple("timed out", "<timeout@quarry.test>"))
        outcome = "no timeout"
    except (TimeoutError, smtplib.SMTPServerDisconnected) as error:  # smtplib wraps the read timeout
        outcome = f"{type(error).__name__}: {error}"
    finally:
        client.close()
    check("timed out" in outcome and time.monotonic() - started < 2, "client times out waiting for the delayed reply", outcome)
    check(server.messages()["message_ids"].get("<timeout@quarry.test>") == 1,
          "the timed-out message was still recorded (a retry would duplicate it)")

    with starttls_session(server, context) as client:
        client.send_message(simple("dup 1", "<dup@quarry.test>"))
        client.send_message(simple("dup 2", "<dup@quarry.test>"))
    check(server.messages()["message_ids"].get("<dup@quarry.test>") == 2, "no dedup: the same Message-ID twice counts 2")

    print("curl (libcurl)")
    if not os.access(CURL, os.X_OK):
        check(False, "curl present", CURL)
        return
    eml_message, eml_source = rich_message()
    eml_id = eml_message["Message-ID"]
    del eml_message["Bcc"]
    eml = eml_message.as_bytes(policy=SMTP_POLICY)
    eml_path = os.path.join(state, "msg.eml")
    with open(eml_path, "wb") as file:
        file.write(eml)
    auth = ["--user", f"{USER}:{PASSWORD}", "--mail-from", "a@example.org", "--mail-rcpt", "b@example.org",
            "--mail-rcpt", "c@example.org", "--upload-file", eml_path]
    server.http("POST", "/_reset")

    result = curl("--url", f"smtp://{HOST}:{ports['starttls']}", "--ssl-reqd", "--cacert", ca, *auth)
    check(result.returncode == 0, "curl smtp:// --ssl-reqd (STARTTLS) + AUTH sends", (result.returncode, result.stderr.strip()))
    record = (server.messages()["messages"] or [{}])[-1]
    check(record.get("mode") == "starttls" and record.get("tls") is True and record.get("user") == USER
          and record.get("mail_from") == "a@example.org" and record.get("rcpt_tos") == ["b@example.org", "c@example.org"]
          and record.get("message_id") == eml_id,
          "curl STARTTLS message recorded (TLS, user, envelope)",
          {k: record.get(k) for k in ("mode", "tls", "user", "auth_mechanism", "mail_from", "rcpt_tos", "helo")})
    check(base64.b64decode(record.get("raw_base64", "")) == eml, "curl STARTTLS: raw bytes arrive unchanged (dot-stuffing undone)")
    blob = part(record, "application/octet-stream") if record else None
    check(blob is not None and base64.b64decode(blob["content"]) == eml_source["attachment"]
          and lf((part(record, "text/plain") or {}).get("content")) == eml_source["text"],
          "curl STARTTLS: text and attachment parsed byte for byte")

    result = curl("--url", f"smtps://{HOST}:{ports['tls']}", "--cacert", ca, *auth)
    check(result.returncode == 0, "curl smtps:// (implicit TLS) + AUTH sends", (result.returncode, result.stderr.strip()))
    record = (server.messages()["messages"] or [{}])[-1]
    check(record.get("mode") == "tls" and record.get("tls") is True and record.get("user") == USER
          and base64.b64decode(record.get("raw_base64", "")) == eml,
          "curl SMTPS message recorded byte for byte (TLS, user)", {k: record.get(k) for k in ("mode", "tls", "user")})

    result = curl("--url", f"smtp://{HOST}:{ports['plain']}", "--mail-from", "a@example.org", "--mail-rcpt", "b@example.org", "--upload-file", eml_path)
    record = (server.messages()["messages"] or [{}])[-1]
    check(result.returncode == 0 and record.get("mode") == "plain" and record.get("tls") is False and record.get("user") is None,
          "curl smtp:// plain without AUTH sends", (result.returncode, result.stderr.strip()))

    result = curl("--url", f"smtp://{HOST}:{ports['starttls']}", "--ssl-reqd", "--cacert", ca,
                  "--user", f"{USER}:wrong", "--mail-from", "a@example.org", "--mail-rcpt", "b@example.org", "--upload-file", eml_path)
    check(result.returncode == 67, "curl with a wrong password fails with CURLE_LOGIN_DENIED (67)", (result.returncode, result.stderr.strip()))

    result = curl("--url", f"smtp://{HOST}:{ports['starttls']}", "--ssl-reqd", *auth)
    check(result.returncode == 60, "curl without --cacert refuses the untrusted cert (60)", (result.returncode, result.stderr.strip()))

    tls = ["--url", f"smtp://{HOST}:{ports['starttls']}", "--ssl-reqd", "--cacert", ca]
    server.fault(reply="451 4.3.0 try again later", at="DATA")
    result = curl(*tls, *auth, "--write-out", "%{response_code}")
    check(result.returncode == 8 and result.stdout.strip() == "451",
          "curl: 451 after the data -> exit 8 (CURLE_WEIRD_SERVER_REPLY), response_code 451",
          (result.returncode, result.stdout.strip(), result.stderr.strip()))

    server.fault(reply="452 4.3.1 mailbox full", at="RCPT")
    result = curl(*tls, *auth, "--write-out", "%{response_code}")
    check(result.returncode == 55 and "RCPT failed: 452" in result.stderr and result.stdout.strip() == "452",
          "curl: 452 at RCPT -> exit 55 (CURLE_SEND_ERROR) 'RCPT failed: 452'", (result.returncode, result.stderr.strip()))

    server.fault(delay=3, at="MAIL")
    started = time.monotonic()
    result = curl(*tls, *auth, "--max-time", "1")
    took = time.monotonic() - started
    check(result.returncode == 28 and took < 2, f"curl --max-time 1, MAIL reply delayed 3s -> exit 28 after {took:.1f}s",
          (result.returncode, result.stderr.strip()))

    server.fault(delay=2, at="DATA")
    started = time.monotonic()
    result = curl(*tls, *auth, "--max-time", "1")
    took = time.monotonic() - started
    # The curl 7.88 tool only notices its timeout once the late reply comes (about 2 s here); libcurl's easy API
    # used directly (below, and by Quarry) gives up at CURLOPT_TIMEOUT_MS.
    check(result.returncode == 28, f"curl --max-time 1, end-of-data reply delayed 2s -> exit 28 after {took:.1f}s",
          (result.returncode, result.stderr.strip()))
    server.http("POST", "/_reset")
    server.fault(delay=2, at="DATA")
    code, took = libcurl_send(f"smtp://{HOST}:{ports['starttls']}", ca, eml, timeout_ms=1000)
    check(code == 28 and took < 1.6, f"libcurl easy API, CURLOPT_TIMEOUT_MS 1000, end-of-data reply delayed 2s -> 28 after {took:.1f}s",
          (code, took))
    check(server.messages()["message_ids"].get(eml_id) == 1, "libcurl easy API: that message was still recorded")
    code, took = libcurl_send(f"smtps://{HOST}:{ports['tls']}", ca, eml, timeout_ms=5000)
    check(code == 0 and server.messages()["messages"][-1]["mode"] == "tls", "libcurl easy API: smtps:// sends (CURLE_OK)", code)


def libcurl_send(url: str, ca: str, message: bytes, timeout_ms: int) -> tuple[int, float]:
    """Sends `message` through libcurl's easy API (ctypes), as Quarry does; returns (CURLcode, seconds)."""
    import ctypes
    lib = ctypes.CDLL("libcurl.so.4")
    lib.curl_easy_init.restype = ctypes.c_void_p
    lib.curl_easy_perform.argtypes = [ctypes.c_void_p]
    lib.curl_easy_cleanup.argtypes = [ctypes.c_void_p]
    lib.curl_slist_append.restype = ctypes.c_void_p
    lib.curl_slist_append.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.curl_slist_free_all.argtypes = [ctypes.c_void_p]
    long, objectpoint, functionpoint, off_t = 0, 10000, 20000, 30000
    handle = ctypes.c_void_p(lib.curl_easy_init())
    offset = [0]

    @ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p)
    def read(buffer, size, count, _):
        chunk = message[offset[0]:offset[0] + size * count]
        ctypes.memmove(buffer, chunk, len(chunk))
        offset[0] += len(chunk)
        return len(chunk)

    recipients = lib.curl_slist_append(None, b"<b@example.org>")
    options = [(objectpoint + 2, ctypes.c_char_p(url.encode())),                    # CURLOPT_URL
               (objectpoint + 173, ctypes.c_char_p(USER.encode())),                 # CURLOPT_USERNAME
               (objectpoint + 174, ctypes.c_char_p(PASSWORD.encode())),             # CURLOPT_PASSWORD
               (objectpoint + 186, ctypes.c_char_p(b"<a@example.org>")),            # CURLOPT_MAIL_FROM
               (objectpoint + 187, ctypes.c_void_p(recipients)),                    # CURLOPT_MAIL_RCPT
               (objectpoint + 65, ctypes.c_char_p(ca.encode())),                    # CURLOPT_CAINFO
               (long + 119, ctypes.c_long(3)),                                      # CURLOPT_USE_SSL = CURLUSESSL_ALL
               (long + 46, ctypes.c_long(1)),                                       # CURLOPT_UPLOAD
               (off_t + 115, ctypes.c_int64(len(message))),                         # CURLOPT_INFILESIZE_LARGE
               (functionpoint + 12, ctypes.cast(read, ctypes.c_void_p)),            # CURLOPT_READFUNCTION
               (long + 155, ctypes.c_long(timeout_ms))]                             # CURLOPT_TIMEOUT_MS
    for option, value in options:
        assert lib.curl_easy_setopt(handle, ctypes.c_int(option), value) == 0, option
    started = time.monotonic()
    code = lib.curl_easy_perform(handle)
    took = time.monotonic() - started
    lib.curl_easy_cleanup(handle)
    lib.curl_slist_free_all(recipients)
    return code, took

def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="smtp-check-") as state:
        server = Server(state)
        try:
            server.start()
            run(server, state)
        except Exception as error:  # a crash is one more failure, with the server log
            check(False, "check run completed", f"{type(error).__name__}: {error}")
            with open(server.log_path, errors="replace") as log:
                print(log.read()[-3000:])
        finally:
            server.stop()
        with open(server.log_path, errors="replace") as log:
            text = log.read()
        check("Traceback" not in text, "server log has no tracebacks", text[-3000:])
    print(f"({time.monotonic() - started:.1f}s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
