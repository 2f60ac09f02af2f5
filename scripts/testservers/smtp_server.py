"""A real SMTP server (aiosmtpd) for tests of Quarry's email connector, which sends through libcurl.
It records every message it accepts, parsed with the stdlib `email` package, and can be told to fail.

  --starttls-port  SMTP, STARTTLS offered; AUTH PLAIN/LOGIN only after STARTTLS (538 before it),
                   MAIL/RCPT/DATA only after AUTH (530 before it); wrong credentials -> 535
  --tls-port       SMTPS (implicit TLS), the same AUTH rules
  --plain-port     plain SMTP, no TLS, no AUTH (for `security: none`)
  --control-port   HTTP on 127.0.0.1:
    GET    /healthz     -> 200 {"ok": true} once every SMTP listener is up (503 before)
    GET    /_messages   -> {"messages": [...], "message_ids": {message_id: count}, "rejected": [...]}
                           a message: mail_from, rcpt_tos, mode, port, tls, user, auth_mechanism, message_id,
                           headers, mime (the part tree), parts (its leaves, content decoded), text, html, raw(_base64)
                           a rejected attempt (a fault's reply was sent): stage, reply, mode, mail_from, rcpt_tos, ...
    POST   /_reset      -> clears messages and rejected attempts (not faults)
    GET    /_faults     -> {"faults": [...]}  (the pending ones)
    POST   /_faults     {"reply": "451 4.3.0 try again later", "times": 1, "at": "DATA"|"MAIL"|"RCPT"}
                        {"delay": seconds, "times": 1, "at": "DATA"}  (optional "mode": starttls|tls|plain)
                        -> the next `times` sessions reaching that stage get it ("at" DATA means the reply after
                           the data, not the 354). A delay alone holds the reply and then goes on; at DATA the
                           message is recorded first (so a client that times out has still sent it).
    DELETE /_faults     -> clears them
The server does not deduplicate by Message-ID; it records every message. On start it writes
DIR/ca.pem (a trustme CA whose leaf covers 127.0.0.1 and localhost) and then DIR/ready.json.
"""
import argparse
import asyncio
import base64
import email
import email.policy
import hmac
import json
import logging
import os
import signal
import ssl
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, TLSSetupException

USER = "quarry"
PASSWORD = "smtp-standin-password-0001"
HOST = "127.0.0.1"
STAGES = ("MAIL", "RCPT", "DATA")
HEADERS = ("Message-ID", "From", "To", "Cc", "Subject", "Date", "MIME-Version", "Content-Type")

lock = threading.Lock()
messages = []
rejected = []
faults = []
ready = threading.Event()

# aiosmtpd warns on every connection of the SMTPS listener, which needs auth_require_tls=False because
# aiosmtpd only counts STARTTLS as TLS; that listener speaks nothing but TLS, so the warning does not apply.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    good = hmac.compare_digest(auth_data.login, USER.encode()) and hmac.compare_digest(auth_data.password, PASSWORD.encode())
    if not good:
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 5.7.8
    return AuthResult(success=True, auth_data={"user": auth_data.login.decode(), "mechanism": mechanism})


def take_fault(session, mode, stage):
    """The fault this session gets at `stage`: once a session has drawn one it keeps it (an RSET and retry
    in the same session fails the same way); otherwise the first pending match is drawn and its count spent."""
    if not hasattr(session, "quarry_faults"):
        session.quarry_faults = {}
    drawn = session.quarry_faults
    if stage in drawn:
        return drawn[stage]
    with lock:
        for fault in faults:
            if fault["at"] == stage and fault["times"] > 0 and fault.get("mode") in (None, mode):
                fault["times"] -= 1
                drawn[stage] = dict(fault)
                if fault["times"] == 0:
                    faults.remove(fault)
                return drawn[stage]
    drawn[stage] = None
    return None


def part_json(part, path):
    node = {"path": path, "content_type": part.get_content_type(), "charset": part.get_content_charset(),
            "disposition": part.get_content_disposition(), "filename": part.get_filename(),
            "content_id": part.get("Content-ID"), "transfer_encoding": part.get("Content-Transfer-Encoding")}
    if part.is_multipart():
        node["parts"] = [part_json(child, f"{path}.{index}" if path else str(index)) for index, child in enumerate(part.iter_parts())]
        return node
    data = part.get_payload(decode=True) or b""
    text = part.get_content() if part.get_content_maintype() == "text" else None
    node.update({"content": text if text is not None else base64.b64encode(data).decode(),
                 "content_kind": "text" if text is not None else "base64",
                 "bytes_base64": base64.b64encode(data).decode(), "size": len(data)})
    return node


def leaves(node):
    if "parts" not in node:
        return [node]
    return [leaf for child in node["parts"] for leaf in leaves(child)]


def parse(raw):
    parsed = {"headers": {}, "header_list": [], "mime": None, "parts": [], "text": None, "html": None, "parse_error": None}
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parsed["headers"] = {name: (str(message[name]) if message[name] is not None else None) for name in HEADERS}
        parsed["header_list"] = [[name, str(value)] for name, value in message.items()]
        parsed["mime"] = part_json(message, "")
        parsed["parts"] = leaves(parsed["mime"])
        for kind in ("plain", "html"):
            body = message.get_body(preferencelist=(kind,))
            parsed["text" if kind == "plain" else "html"] = body.get_content() if body is not None else None
    except Exception as error:  # record what arrived even if the email package cannot read it
        parsed["parse_error"] = f"{type(error).__name__}: {error}"
    return parsed


def tls_info(server):
    transport = server.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return {"tls": False, "tls_version": None, "tls_cipher": None}
    return {"tls": True, "tls_version": ssl_object.version(), "tls_cipher": (ssl_object.cipher() or [None])[0]}


class Handler:
    def __init__(self, mode, port):
        self.mode = mode
        self.port = port

    async def fault(self, session, stage):
        """None to go on, or the reply to answer instead."""
        fault = take_fault(session, self.mode, stage)
        if fault is None:
            return None
        if fault.get("delay"):
            await asyncio.sleep(float(fault["delay"]))
        return fault.get("reply")

    def attempt(self, server, session, envelope, stage, reply):
        auth = session.auth_data if session.authenticated else None
        with lock:
            rejected.append({"stage": stage, "reply": reply, "mode": self.mode, "port": self.port,
                             "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                             "user": auth["user"] if auth else None, "received_at": time.time(), **tls_info(server)})

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):  # e.g. a client that does not trust the CA; aiosmtpd closes the connection
            logging.warning("%s: STARTTLS handshake failed: %s", self.mode, error.__cause__)
        else:
            logging.exception("%s: SMTP session exception", self.mode)
        return "500 Error: (%s) %s" % (type(error).__name__, error)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = await self.fault(session, "MAIL")
        if reply:
            self.attempt(server, session, envelope, "MAIL", reply)
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = await self.fault(session, "RCPT")
        if reply:
            self.attempt(server, session, envelope, "RCPT", reply)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = take_fault(session, self.mode, "DATA")
        if fault and fault.get("reply"):  # rejected (after the delay, if any): not recorded as a message
            if fault.get("delay"):
                await asyncio.sleep(fault["delay"])
            self.attempt(server, session, envelope, "DATA", fault["reply"])
            return fault["reply"]
        raw = envelope.original_content or b""
        auth = session.auth_data if session.authenticated else None
        record = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos), "mail_options": list(envelope.mail_options),
                  "mode": self.mode, "port": self.port, **tls_info(server),
                  "user": auth["user"] if auth else None, "auth_mechanism": auth["mechanism"] if auth else None,
                  "helo": session.host_name, "received_at": time.time(), "delayed": fault.get("delay") if fault else None,
                  "raw": raw.decode("utf-8", "replace"), "raw_base64": base64.b64encode(raw).decode(), "size": len(raw)}
        record.update(parse(raw))
        record["message_id"] = record["headers"].get("Message-ID")
        with lock:
            record["index"] = len(messages)
            messages.append(record)
        if fault:  # a delay alone: the message is kept, only the reply is late
            await asyncio.sleep(fault["delay"])
        return "250 2.0.0 OK queued as %d" % record["index"]


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def handle_any(self):
        route = (self.command, self.path.split("?")[0])
        if route[1] == "/healthz":
            return self.answer(200, {"ok": True}) if ready.is_set() else self.answer(503, {"ok": False})
        if route == ("GET", "/_messages"):
            with lock:
                ids = {}
                for message in messages:
                    if message["message_id"] is not None:
                        ids[message["message_id"]] = ids.get(message["message_id"], 0) + 1
                return self.answer(200, {"messages": list(messages), "message_ids": ids, "rejected": list(rejected)})
        if route == ("POST", "/_reset"):
            with lock:
                messages.clear()
                rejected.clear()
            return self.answer(200, {"ok": True})
        if route == ("GET", "/_faults"):
            with lock:
                return self.answer(200, {"faults": [dict(fault) for fault in faults]})
        if route == ("DELETE", "/_faults"):
            with lock:
                faults.clear()
            return self.answer(200, {"faults": []})
        if route == ("POST", "/_faults"):
            try:
                spec = self.body()
                fault = {"at": str(spec.get("at", "DATA")).upper(), "times": int(spec.get("times", 1)),
                         "reply": spec.get("reply"), "delay": float(spec["delay"]) if spec.get("delay") is not None else None,
                         "mode": spec.get("mode")}
            except (ValueError, TypeError, AttributeError) as error:
                return self.answer(400, {"error": f"bad fault: {error}"})
            if fault["at"] not in STAGES or fault["times"] < 1 or not (fault["reply"] or fault["delay"]) \
                    or fault["mode"] not in (None, "starttls", "tls", "plain") \
                    or (fault["reply"] is not None and not (isinstance(fault["reply"], str) and fault["reply"][:3].isdigit())):
                return self.answer(400, {"error": "want {at: MAIL|RCPT|DATA, times >= 1, reply: '<code> text' and/or delay: seconds, mode?}"})
            with lock:
                faults.append(fault)
                return self.answer(200, {"faults": [dict(f) for f in faults]})
        self.answer(404, {"error": "no such route"})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--starttls-port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, required=True)
    parser.add_argument("--plain-port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    arguments = parser.parse_args()
    # A parent that ignores or blocks SIGTERM (a test process may) passes that on through exec:
    # stopping must still work.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd logs a deprecation warning on every AUTH
    os.makedirs(arguments.state_dir, exist_ok=True)

    control = ThreadingHTTPServer((HOST, arguments.control_port), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()

    ca = trustme.CA()
    ca_path = os.path.join(arguments.state_dir, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # server side: no client certs asked
    ca.issue_cert(HOST, "localhost").configure_cert(context)

    common = {"server_hostname": "localhost", "authenticator": authenticator, "ready_timeout": 10}
    controllers = [
        Controller(Handler("starttls", arguments.starttls_port), hostname=HOST, port=arguments.starttls_port,
                   tls_context=context, auth_required=True, auth_require_tls=True, **common),
        Controller(Handler("tls", arguments.tls_port), hostname=HOST, port=arguments.tls_port,
                   ssl_context=context, auth_required=True, auth_require_tls=False, **common),
        Controller(Handler("plain", arguments.plain_port), hostname=HOST, port=arguments.plain_port,
                   auth_required=False, **common),
    ]
    for controller in controllers:
        controller.start()
    info = {"host": HOST, "starttls_port": arguments.starttls_port, "tls_port": arguments.tls_port,
            "plain_port": arguments.plain_port, "control_port": arguments.control_port,
            "user": USER, "password": PASSWORD, "ca": ca_path, "pid": os.getpid()}
    temporary = os.path.join(arguments.state_dir, "ready.json.tmp")
    with open(temporary, "w") as file:
        json.dump(info, file)
    os.replace(temporary, os.path.join(arguments.state_dir, "ready.json"))
    ready.set()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
