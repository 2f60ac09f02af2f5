"""A local HTTPS stand-in for the SaaS APIs Quarry's action connectors call: Slack (Web API and
incoming webhooks), Twilio Messages, Notion pages/blocks and Google OAuth (service-account JWT) +
Sheets values.append. It is as strict about request shapes as the real services, rejects with each
service's own error shape, and records every request it answers.

  saas_standin.py --port P --state-dir DIR
    writes DIR/ca.pem (private CA; the server certificate for 127.0.0.1/localhost is signed by it),
    DIR/service-account.json (a Google key whose token_uri is https://127.0.0.1:P/token), then
    DIR/ready.json (port, base URLs, fixed secrets, ids) once listening.

  GET  /healthz                                           -> 200 {"ok": true}
  POST /api/chat.postMessage  (GET too, as Slack)         -> Slack {"ok": true, "channel", "ts", "message"}
  POST /api/auth.test                                     -> Slack {"ok": true, "team", "user", ...}
  POST /services/<T>/<B>/<secret>                         -> Slack webhook: 200 text "ok"
  POST /2010-04-01/Accounts/<sid>/Messages.json           -> Twilio 201 Message resource
  GET  /2010-04-01/Accounts/<sid>/Messages/<SM>.json      -> Twilio Message resource
  GET  /2010-04-01/Accounts/<sid>.json                    -> Twilio Account resource
  POST /v1/pages, GET /v1/pages/<id>                      -> Notion page object
  PATCH /v1/blocks/<id>/children                          -> Notion list of the appended blocks
  GET  /v1/users/me                                       -> Notion bot user
  POST /token                                             -> Google OAuth access token (JWT bearer grant)
  POST /v4/spreadsheets/<id>/values/<range>:append        -> Sheets AppendValuesResponse
  GET  /v4/spreadsheets/<id>                              -> Sheets spreadsheet metadata

  Control (no auth, not recorded):
  GET    /_requests[?service=S]   -> {"requests": [{service, method, path, query, headers, body, time,
                                      status, outcome, error}]}
  GET    /_delivered              -> what the services would have done (messages, pages, rows)
  POST   /_faults                 -> {"service", "status"?, "retry_after"?, "times"?, "delay"?, "body"?}
  GET    /_faults, DELETE /_faults
  (GET /_requests also says how many requests of each service have arrived, answered or not: "arrived")
  POST   /_reset                  -> clears requests, delivered items, faults, idempotency tokens
  POST   /_tokens/expire          -> every Google access token issued so far expires now
"""
import argparse
import base64
import email.utils
import hashlib
import json
import math
import os
import re
import secrets
import signal
import socket
import ssl
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# Fixed secrets and ids (the Swift tests read them from ready.json; never print them).
SLACK_BOT_TOKEN = "xoxb-1111-2222-standin"
SLACK_TEAM_ID, SLACK_WEBHOOK_BOT = "T0001", "B0001"
SLACK_WEBHOOK_SECRET = "standinwebhooksecret"
SLACK_WEBHOOK_PATH = f"/services/{SLACK_TEAM_ID}/{SLACK_WEBHOOK_BOT}/{SLACK_WEBHOOK_SECRET}"
SLACK_USER_ID, SLACK_BOT_ID = "U0STANDIN", "B0STANDIN"
TWILIO_ACCOUNT_SID = "AC5a1e5f0c0ffee0000000000000000001"
TWILIO_AUTH_TOKEN = "twilio-standin-auth-token-0001"
NOTION_TOKEN = "ntn_standin_token_0001"
NOTION_DATABASE_ID = "0b5e6a1c-7f3d-4c2e-9a8b-1d2e3f4a5b6c"
NOTION_DATA_SOURCE_ID = "1c6f7b2d-8a4e-4d3f-8b9c-2e3f4a5b6c7d"  # the database's single data source (2025-09-03)
NOTION_BOT_ID = "2d7a8c3e-9b5f-4e4a-9cad-3f4a5b6c7d8e"
NOTION_VERSIONS = ("2022-06-28", "2025-09-03")
GOOGLE_CLIENT_EMAIL = "quarry-test@quarry-test.iam.gserviceaccount.com"
GOOGLE_CLIENT_ID = "100000000000000000001"
GOOGLE_PROJECT_ID = "quarry-test"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # what google-auth puts in "aud"
SHEETS_SPREADSHEET_ID = "1QuarryStandinSpreadsheet0000000000000000000"
SHEETS_SHEETS = ("Sheet1", "Sheet2")
SPREADSHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
SERVICES = ("slack", "slack_webhook", "twilio", "notion", "google_token", "sheets")

lock = threading.Lock()
base_url = ""  # https://127.0.0.1:P, set in main
google_public_key = None
google_private_key_id = ""


class State:
    def __init__(self):
        self.requests = []
        self.faults = {}  # service -> [fault dict with "remaining"]
        self.google_tokens = {}  # access token -> {"expires": epoch, "scopes": [...]}
        self.reset()

    def reset(self):
        self.requests.clear()
        self.faults.clear()
        self.arrived = {}  # service -> requests come in, counted on arrival (a delayed one is recorded only once answered)
        self.delivered = {"slack_messages": [], "slack_webhooks": [], "twilio_messages": [],
                          "notion_pages": [], "notion_blocks": [], "sheets": {}, "sheets_appends": []}
        self.idempotency = {}  # Twilio idempotency token -> (status, reply body)
        self.twilio_messages = {}  # sid -> message resource
        self.notion_pages = {}  # id -> page object
        self.notion_blocks = {}  # id -> block object (appended ones; pages also accept children)
        self.last_ts = 0


state = State()


class Reply:
    def __init__(self, status, body, headers=None, error=None):
        self.status, self.body, self.headers, self.error = status, body, headers or {}, error


class Reject(Exception):
    """A request the real service would refuse; `error` is what /_requests records."""

    def __init__(self, status, body, error, headers=None):
        super().__init__(error)
        self.reply = Reply(status, body, headers, error)


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body
        self.text = body.decode("utf-8", "replace")
        self.time = time.monotonic()  # arrival, before any fault delay

    def header(self, name):
        return self.headers.get(name.lower())

    def content_type(self):
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def bearer(self):
        auth = self.header("authorization") or ""
        return auth[7:].strip() if auth[:7].lower() == "bearer " else None

    def form(self):
        return parse_qs(self.text, keep_blank_values=True)


def now_iso_minute():
    # Notion reports times rounded to the minute with a zero millisecond part.
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:00.000Z")


def stable_id(prefix, value, length=10):
    return prefix + hashlib.sha1(value.encode()).hexdigest()[:length].upper()


# ============================================================================ Slack

SLACK_CHANNEL = re.compile(r"^[#@]?[A-Za-z0-9_.-]+$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")
SLACK_TEXT_TYPES = ("mrkdwn", "plain_text")


def slack_fail(error, http_status=200, **extra):
    # Slack Web API errors are HTTP 200 with ok=false (except rate limits and unknown methods).
    raise Reject(http_status, {"ok": False, "error": error, **extra}, error)


def slack_params(req):
    """The method's arguments from a JSON body, a form body or the query string, and its format."""
    params = {k: v[-1] for k, v in parse_qs(req.query, keep_blank_values=True).items()}
    ctype = req.content_type()
    if ctype == "application/json" and req.body.strip():
        try:
            body = json.loads(req.text)
        except ValueError:
            return params, "json", "invalid_json"
        if not isinstance(body, dict):
            return params, "json", "invalid_json"
        params.update(body)
        return params, "json", None
    if ctype == "application/x-www-form-urlencoded" or not ctype:
        params.update({k: v[-1] for k, v in req.form().items()})
        return params, "form", None
    if ctype == "application/json":
        return params, "json", None
    return params, "form", "invalid_form_data"


def slack_auth(req, params, fmt):
    # Slack reads a token from the Authorization header; form posts (only) may carry it as `token`.
    token = req.bearer() or (params.get("token") if fmt == "form" else None)
    if not token:
        slack_fail("not_authed")
    if token != SLACK_BOT_TOKEN:
        slack_fail("invalid_auth")


def slack_warnings(req, fmt):
    # Slack answers JSON posts lacking a charset with a warning, not an error.
    if fmt == "json" and "charset" not in (req.header("content-type") or "").lower():
        return {"warning": "missing_charset", "response_metadata": {"warnings": ["missing_charset"]}}
    return {}


def decode_json_arg(value):
    """Slack accepts blocks/attachments as a JSON array or as a string holding one."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def slack_text_object(obj, pointer, types=SLACK_TEXT_TYPES, limit=3000):
    if not isinstance(obj, dict):
        return [f"must provide an object [json-pointer:{pointer}]"]
    if obj.get("type") not in types:
        return [f"must be one of {', '.join(types)} [json-pointer:{pointer}/type]"]
    text = obj.get("text")
    if not isinstance(text, str):
        return [f"must provide a string [json-pointer:{pointer}/text]"]
    if not text:
        return [f"must be more than 0 characters [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{pointer}/text]"]
    return []


def slack_elements(block, pointer, low, high):
    elements = block.get("elements")
    if not isinstance(elements, list) or not low <= len(elements) <= high:
        return [f"must provide an array of {low} to {high} items [json-pointer:{pointer}/elements]"]
    return [f"must provide an object [json-pointer:{pointer}/elements/{i}]"
            for i, e in enumerate(elements) if not isinstance(e, dict) or "type" not in e]


def slack_required(block, pointer, *fields):
    return [f"missing required field: {f} [json-pointer:{pointer}]" for f in fields if f not in block]


def slack_block_errors(block, pointer):
    if not isinstance(block, dict):
        return [f"must provide an object [json-pointer:{pointer}]"]
    kind = block.get("type")
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > 255):
        return [f"must be a string of at most 255 characters [json-pointer:{pointer}/block_id]"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            return [f"must provide either text or fields [json-pointer:{pointer}]"]
        errors = slack_text_object(block["text"], pointer + "/text") if "text" in block else []
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > 10:
            return errors + [f"must provide an array of at most 10 items [json-pointer:{pointer}/fields]"]
        for i, field in enumerate(fields):
            errors += slack_text_object(field, f"{pointer}/fields/{i}", limit=2000)
        return errors
    if kind == "header":  # header text must be plain_text, at most 150 characters
        return slack_text_object(block.get("text"), pointer + "/text", ("plain_text",), 150)
    if kind == "divider":
        return []
    if kind == "context":
        return slack_elements(block, pointer, 1, 10)
    if kind == "actions":
        return slack_elements(block, pointer, 1, 25)
    if kind == "rich_text":
        return slack_elements(block, pointer, 1, 1000)
    if kind == "image":
        if "image_url" not in block and "slack_file" not in block:
            return [f"missing required field: image_url [json-pointer:{pointer}]"]
        return slack_required(block, pointer, "alt_text")
    if kind == "input":
        return slack_required(block, pointer, "label", "element") or \
            slack_text_object(block["label"], pointer + "/label", ("plain_text",), 2000)
    if kind == "file":
        return slack_required(block, pointer, "external_id", "source")
    if kind == "video":
        return slack_required(block, pointer, "alt_text", "title", "thumbnail_url", "video_url")
    return [f"unsupported type: {kind} [json-pointer:{pointer}/type]"]


def slack_check_blocks(blocks):
    blocks = decode_json_arg(blocks)
    if not isinstance(blocks, list):
        return None, ["must provide an array [json-pointer:/blocks]"]
    if len(blocks) > 50:
        return None, ["no more than 50 items allowed [json-pointer:/blocks]"]
    errors = []
    for i, block in enumerate(blocks):
        errors += slack_block_errors(block, f"/blocks/{i}")
    return blocks, errors


def slack_invalid_blocks(errors, http_status=200):
    messages = ["[ERROR] " + e for e in errors]
    slack_fail("invalid_blocks", http_status, errors=errors, response_metadata={"messages": messages})


def slack_bool(params, name, fmt):
    if name not in params:
        return
    value = params[name]
    ok = isinstance(value, bool) if fmt == "json" else str(value).lower() in ("true", "false", "1", "0")
    if not ok:
        slack_fail("invalid_arguments", response_metadata={"messages": [f"[ERROR] invalid `{name}`"]})


def slack_channel_id(channel):
    if SLACK_CHANNEL_ID.match(channel):
        return channel
    return stable_id("D" if channel.startswith("@") else "C", channel.lstrip("#@").lower())


def next_slack_ts():
    # Slack timestamps are "<unix seconds>.<6 digits>" and strictly increase within a channel.
    micros = max(int(time.time() * 1_000_000), state.last_ts + 1)
    state.last_ts = micros
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def slack_post_message(req):
    params, fmt, parse_error = slack_params(req)
    slack_auth(req, params, fmt)
    if parse_error:
        slack_fail(parse_error)
    channel = params.get("channel")
    if not isinstance(channel, str) or not SLACK_CHANNEL.match(channel):
        slack_fail("channel_not_found")
    text = params.get("text")
    if text is not None and not isinstance(text, str):
        slack_fail("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid `text`"]})
    blocks = params.get("blocks")
    if blocks is not None:
        blocks, errors = slack_check_blocks(blocks)
        if errors:
            slack_invalid_blocks(errors)
    attachments = decode_json_arg(params.get("attachments"))
    if attachments is not None and not (isinstance(attachments, list)
                                        and all(isinstance(a, dict) for a in attachments)):
        slack_fail("invalid_attachments")
    if not text and not blocks and not attachments:
        slack_fail("no_text")
    if text and len(text) > 40000:
        slack_fail("msg_too_long")
    thread_ts = params.get("thread_ts")
    if thread_ts is not None and not re.match(r"^\d+\.\d+$", str(thread_ts)):
        slack_fail("invalid_thread_ts")
    for name in ("mrkdwn", "unfurl_links", "unfurl_media", "reply_broadcast", "as_user", "link_names"):
        slack_bool(params, name, fmt)
    channel_id, ts = slack_channel_id(channel), next_slack_ts()
    message = {"type": "message", "text": text or "", "user": SLACK_USER_ID, "bot_id": SLACK_BOT_ID,
               "app_id": "A0STANDIN", "team": SLACK_TEAM_ID, "ts": ts}
    if thread_ts is not None:
        message["thread_ts"] = str(thread_ts)
    if blocks:
        message["blocks"] = blocks
    if attachments:
        message["attachments"] = attachments
    state.delivered["slack_messages"].append({
        "channel": channel, "channel_id": channel_id, "text": text, "blocks": blocks,
        "attachments": attachments, "thread_ts": message.get("thread_ts"), "ts": ts, "format": fmt})
    return Reply(200, {"ok": True, "channel": channel_id, "ts": ts, "message": message,
                       **slack_warnings(req, fmt)})


def slack_auth_test(req):
    params, fmt, _ = slack_params(req)
    slack_auth(req, params, fmt)
    return Reply(200, {"ok": True, "url": "https://quarry-test.slack.com/", "team": "Quarry Test",
                       "user": "quarrybot", "team_id": SLACK_TEAM_ID, "user_id": SLACK_USER_ID,
                       "bot_id": SLACK_BOT_ID, "is_enterprise_install": False})


def slack_unknown_method(req):
    slack_fail("unknown_method", 404, req_method=req.path[len("/api/"):])


def webhook_fail(status, error):
    raise Reject(status, error, error)


def slack_webhook(req):
    match = re.match(r"^/services/([^/]+)/([^/]+)/([^/]+)$", req.path)
    if not match or (match.group(1), match.group(2)) != (SLACK_TEAM_ID, SLACK_WEBHOOK_BOT):
        webhook_fail(404, "no_service")
    if match.group(3) != SLACK_WEBHOOK_SECRET:
        webhook_fail(403, "invalid_token")
    text = req.text
    if req.content_type() == "application/x-www-form-urlencoded":
        text = (req.form().get("payload") or [""])[-1]  # legacy form posts carry payload=<json>
    try:
        payload = json.loads(text)
    except ValueError:
        webhook_fail(400, "invalid_payload")
    if not isinstance(payload, dict):
        webhook_fail(400, "invalid_payload")
    blocks = payload.get("blocks")
    if blocks is not None:
        blocks, errors = slack_check_blocks(blocks)
        if errors:
            webhook_fail(400, "invalid_blocks")
    if not payload.get("text") and not blocks and not payload.get("attachments"):
        webhook_fail(400, "no_text")
    state.delivered["slack_webhooks"].append({"path": req.path, "text": payload.get("text"),
                                              "blocks": blocks, "payload": payload})
    return Reply(200, "ok")


# ============================================================================ Twilio

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TWILIO_ACCOUNT_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}"


def twilio_error(status, code, message, headers=None):
    body = {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    raise Reject(status, body, f"{code} {message}", headers)


def twilio_auth(req, path_sid):
    auth = req.header("authorization") or ""
    user = password = None
    if auth[:6].lower() == "basic ":
        try:
            user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except ValueError:
            pass
    if (user, password) != (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN):
        twilio_error(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
    if path_sid != TWILIO_ACCOUNT_SID:  # authenticated, but asking for another account's resources
        twilio_error(404, 20404, f"The requested resource {req.path} was not found")


def twilio_address_ok(value, sender):
    channel, _, number = value.rpartition(":")
    if channel not in ("", "whatsapp"):
        return False
    if E164.match(number):
        return True
    # Senders may also be short codes or alphanumeric sender ids (SMS only).
    return sender and not channel and bool(re.match(r"^(\d{5,6}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$", value))


def twilio_url_ok(url):
    parts = urlsplit(url)
    # Twilio refuses callback hosts with underscores, as they are not valid hostnames.
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "_" not in parts.hostname


def segments(body):
    gsm = all(ord(c) < 128 for c in body)
    single, multi = (160, 153) if gsm else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / multi)


def twilio_validate(form):
    one = {k: v[-1] for k, v in form.items()}
    to, sender, service = one.get("To", ""), one.get("From", ""), one.get("MessagingServiceSid", "")
    body, media = one.get("Body", ""), [u for u in form.get("MediaUrl", []) if u]
    if not to:
        twilio_error(400, 21604, "A 'To' phone number is required.")
    if not sender and not service:
        twilio_error(400, 21603, "A 'From' phone number is required.")
    if not body and not media and not one.get("ContentSid"):
        twilio_error(400, 21602, "Message body is required.")
    if not twilio_address_ok(to, False):
        twilio_error(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if sender and not twilio_address_ok(sender, True):
        twilio_error(400, 21212, f"Invalid From Number (caller ID): {sender}")
    if sender and to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
        twilio_error(400, 21910, "Invalid From and To pair. From and To should be of the same channel")
    if service and not re.match(r"^MG[0-9a-f]{32}$", service):
        twilio_error(400, 21701, f"The Messaging Service Sid {service} is invalid.")
    if len(body) > 1600:
        twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    callback = one.get("StatusCallback")
    if callback is not None and not twilio_url_ok(callback):
        twilio_error(400, 21609, f"The StatusCallback URL {callback} is not a valid URL.")
    if any(not twilio_url_ok(u) for u in media) or len(media) > 10:
        twilio_error(400, 21620, "Invalid media URL(s).")
    return one, media


def twilio_message_resource(one, media):
    sid = "SM" + uuid.uuid4().hex
    now = email.utils.format_datetime(datetime.now(timezone.utc))  # RFC 2822, "+0000"
    uri = f"{TWILIO_ACCOUNT_PATH}/Messages/{sid}.json"
    return {
        "account_sid": TWILIO_ACCOUNT_SID, "api_version": "2010-04-01", "body": one.get("Body", ""),
        "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
        "error_code": None, "error_message": None, "from": one.get("From") or None,
        "messaging_service_sid": one.get("MessagingServiceSid") or None, "num_media": str(len(media)),
        "num_segments": str(segments(one.get("Body", ""))), "price": None, "price_unit": "USD", "sid": sid,
        # Without a From, Twilio first "accepts" the message and picks a sender from the service's pool.
        "status": "queued" if one.get("From") else "accepted",
        "subresource_uris": {"media": f"{TWILIO_ACCOUNT_PATH}/Messages/{sid}/Media.json"},
        "to": one["To"], "uri": uri,
    }


def twilio_create_message(req, path_sid):
    twilio_auth(req, path_sid)
    token = req.header("i-twilio-idempotency-token")
    if token and token in state.idempotency:
        reply = Reply(*state.idempotency[token])
        reply.replay = True
        return reply
    # Twilio reads only a form body; a JSON body leaves every parameter missing.
    form = req.form() if req.content_type() == "application/x-www-form-urlencoded" else {}
    one, media = twilio_validate(form)
    message = twilio_message_resource(one, media)
    state.twilio_messages[message["sid"]] = message
    state.delivered["twilio_messages"].append({
        "sid": message["sid"], "to": message["to"], "from": message["from"], "body": message["body"],
        "messaging_service_sid": message["messaging_service_sid"], "media_url": media,
        "status_callback": one.get("StatusCallback"), "idempotency_token": token})
    if token:
        state.idempotency[token] = (201, message)
    return Reply(201, message)


def twilio_fetch_message(req, path_sid, sid):
    twilio_auth(req, path_sid)
    if sid not in state.twilio_messages:
        twilio_error(404, 20404, f"The requested resource {req.path} was not found")
    return Reply(200, state.twilio_messages[sid])


def twilio_fetch_account(req, path_sid):
    twilio_auth(req, path_sid)
    uri = f"{TWILIO_ACCOUNT_PATH}.json"
    # The real resource also carries auth_token; it is left out so recorded answers hold no secret.
    return Reply(200, {
        "sid": TWILIO_ACCOUNT_SID, "friendly_name": "Quarry Test", "status": "active", "type": "Full",
        "owner_account_sid": TWILIO_ACCOUNT_SID, "date_created": "Mon, 01 Jan 2024 00:00:00 +0000",
        "date_updated": "Mon, 01 Jan 2024 00:00:00 +0000", "uri": uri,
        "subresource_uris": {"messages": f"{TWILIO_ACCOUNT_PATH}/Messages.json"}})


def twilio_route(req):
    routes = [
        ("POST", r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$", twilio_create_message),
        ("GET", r"^/2010-04-01/Accounts/([^/]+)/Messages/(SM[0-9a-f]{32})\.json$", twilio_fetch_message),
        ("GET", r"^/2010-04-01/Accounts/([^/.]+)\.json$", twilio_fetch_account),
    ]
    for method, pattern, handler in routes:
        match = re.match(pattern, req.path)
        if match and req.method == method:
            return handler(req, *match.groups())
    twilio_error(404, 20404, f"The requested resource {req.path} was not found")


# ============================================================================ Notion

NOTION_RICH_TEXT_BLOCKS = ("paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item",
                           "numbered_list_item", "quote", "callout", "code", "to_do", "toggle")
NOTION_BLOCK_TYPES = NOTION_RICH_TEXT_BLOCKS + ("divider",)
NOTION_PROPERTY_TYPES = ("title", "rich_text", "number", "select", "multi_select", "status", "date",
                         "url", "checkbox", "email", "phone_number")
DEFAULT_ANNOTATIONS = {"bold": False, "italic": False, "strikethrough": False, "underline": False,
                       "code": False, "color": "default"}


def notion_error(status, code, message):
    raise Reject(status, {"object": "error", "status": status, "code": code, "message": message,
                          "request_id": str(uuid.uuid4())}, f"{code}: {message}")


class Invalid(Exception):
    """A body validation failure at a path, phrased like Notion's validation messages."""


def shown(value):
    return "undefined" if value is None else json.dumps(value)


def need(condition, path, rule, value):
    if not condition:
        raise Invalid(f"{path} should be {rule}, instead was `{shown(value)}`.")


def notion_uuid(value):
    """The dashed form of a Notion id given with or without dashes, or None."""
    if not isinstance(value, str):
        return None
    hexed = value.replace("-", "").lower()
    if not re.fullmatch(r"[0-9a-f]{32}", hexed):
        return None
    return str(uuid.UUID(hexed))


def check_rich_text(items, path):
    need(isinstance(items, list), path, "an array", items)
    need(len(items) <= 100, path + ".length", "≤ `100`", len(items))
    out = []
    for i, item in enumerate(items):
        at = f"{path}[{i}]"
        need(isinstance(item, dict), at, "an object", item)
        kind = item.get("type", "equation" if "equation" in item else "text")
        annotations = item.get("annotations", {})
        need(isinstance(annotations, dict), at + ".annotations", "an object", annotations)
        if kind == "equation":
            expression = (item.get("equation") or {}).get("expression")
            need(isinstance(expression, str), at + ".equation.expression", "a string", expression)
            out.append({"type": "equation", "equation": {"expression": expression},
                        "annotations": {**DEFAULT_ANNOTATIONS, **annotations}, "plain_text": expression,
                        "href": None})
            continue
        need(kind == "text", at + ".type", '`"text"` or `"equation"`', kind)
        text = item.get("text")
        need(isinstance(text, dict), at + ".text", "an object", text)
        content = text.get("content")
        need(isinstance(content, str), at + ".text.content", "a string", content)
        need(len(content) <= 2000, at + ".text.content.length", "≤ `2000`", len(content))
        link = text.get("link")
        if link is not None:
            need(isinstance(link, dict) and isinstance(link.get("url"), str), at + ".text.link",
                 "an object with a url string", link)
        out.append({"type": "text", "text": {"content": content, "link": link},
                    "annotations": {**DEFAULT_ANNOTATIONS, **annotations}, "plain_text": content,
                    "href": link["url"] if link else None})
    return out


def value_type(obj, known, path):
    """The type of a property value or block: its "type" key, or the one known key it has."""
    need(isinstance(obj, dict), path, "an object", obj)
    kind = obj.get("type")
    if kind is None:
        present = [k for k in known if k in obj]
        kind = present[0] if len(present) == 1 else None
    need(kind in known, path, "an object with exactly one of " + ", ".join(f"`{k}`" for k in known), obj)
    need(kind in obj, f"{path}.{kind}", "defined", None)
    return kind


def check_option(option, path):
    need(isinstance(option, dict) and (isinstance(option.get("name"), str) or isinstance(option.get("id"), str)),
         path, "an object with a `name` or `id` string", option)
    name = option.get("name", "")
    need(len(name) <= 100, path + ".name.length", "≤ `100`", len(name))
    need("," not in name, path + ".name", "a name without commas", name)  # Notion forbids commas in options
    return {k: option[k] for k in ("id", "name", "color") if k in option}


def check_date(value, path):
    if value is None:
        return None
    need(isinstance(value, dict), path, "an object", value)
    for key in ("start", "end"):
        item = value.get(key)
        if key == "start" or item is not None:
            try:
                datetime.fromisoformat(str(item).replace("Z", "+00:00"))
            except ValueError:
                raise Invalid(f"{path}.{key} should be a valid ISO 8601 date string, instead was `{shown(item)}`.")
    return {"start": value["start"], "end": value.get("end"), "time_zone": value.get("time_zone")}


def check_property(name, value, path):
    kind = value_type(value, NOTION_PROPERTY_TYPES, path)
    inner, at = value[kind], f"{path}.{kind}"
    if kind in ("title", "rich_text"):
        inner = check_rich_text(inner, at)
    elif kind == "number":
        need(inner is None or (isinstance(inner, (int, float)) and not isinstance(inner, bool)), at,
             "a number or `null`", inner)
    elif kind in ("select", "status"):
        inner = None if inner is None else check_option(inner, at)
    elif kind == "multi_select":
        need(isinstance(inner, list), at, "an array", inner)
        inner = [check_option(o, f"{at}[{i}]") for i, o in enumerate(inner)]
    elif kind == "date":
        inner = check_date(inner, at)
    elif kind == "checkbox":
        need(isinstance(inner, bool), at, "a boolean", inner)
    else:  # url, email, phone_number
        need(inner is None or isinstance(inner, str), at, "a string or `null`", inner)
        need(inner is None or len(inner) <= 2000, at + ".length", "≤ `2000`", len(inner or ""))
    property_id = "title" if kind == "title" else base64.b32encode(hashlib.sha1(name.encode()).digest())[:4].decode()
    return {"id": property_id, "type": kind, kind: inner}


def check_properties(properties, under_database):
    need(isinstance(properties, dict), "body.properties", "an object", properties)
    out = {name: check_property(name, value, f"body.properties.{name}") for name, value in properties.items()}
    titles = [name for name, p in out.items() if p["type"] == "title"]
    if under_database:
        # A database row has exactly one title column (the stand-in has no schema, so this is what it checks).
        need(len(titles) == 1, "body.properties", "an object with exactly one title property", len(titles))
    else:
        # Under a page parent, only the title can be set.
        for name in out:
            need(name == "title", f"body.properties.{name}", "not present (a page parent allows only `title`)",
                 properties[name])
    return out


def check_blocks(blocks, path, depth=1):
    need(isinstance(blocks, list), path, "an array", blocks)
    need(len(blocks) <= 100, path + ".length", "≤ `100`", len(blocks))
    out = []
    for i, block in enumerate(blocks):
        at = f"{path}[{i}]"
        need(isinstance(block, dict), at, "an object", block)
        need(block.get("object", "block") == "block", at + ".object", '`"block"`', block.get("object"))
        kind = value_type(block, NOTION_BLOCK_TYPES, at)
        content = block[kind]
        need(isinstance(content, dict), f"{at}.{kind}", "an object", content)
        normalized = {}
        if kind in NOTION_RICH_TEXT_BLOCKS:
            normalized["rich_text"] = check_rich_text(content.get("rich_text"), f"{at}.{kind}.rich_text")
            normalized.update({k: v for k, v in content.items() if k not in ("rich_text", "children")})
        if kind == "code":
            language = content.get("language", "plain text")
            need(isinstance(language, str), f"{at}.code.language", "a string", language)
            normalized.setdefault("language", language)
            normalized.setdefault("caption", [])
        if kind != "divider":
            normalized.setdefault("color", "default")
        children = content.get("children")
        if children is not None:
            # A single request may nest blocks at most two levels deep.
            need(depth < 3, f"{at}.{kind}.children", "not present (at most two levels of nesting)", "...")
            check_blocks(children, f"{at}.{kind}.children", depth + 1)
        out.append((kind, normalized, children))
    return out


def notion_block_object(kind, content, parent_id, has_children):
    now = now_iso_minute()
    return {"object": "block", "id": str(uuid.uuid4()), "parent": {"type": "page_id", "page_id": parent_id},
            "created_time": now, "last_edited_time": now,
            "created_by": {"object": "user", "id": NOTION_BOT_ID},
            "last_edited_by": {"object": "user", "id": NOTION_BOT_ID},
            "has_children": has_children, "archived": False, "in_trash": False, "type": kind, kind: content}


def notion_store_blocks(checked, parent_id):
    objects = []
    for kind, content, children in checked:
        block = notion_block_object(kind, content, parent_id, bool(children))
        state.notion_blocks[block["id"]] = block
        objects.append(block)
    return objects


def notion_headers(req):
    version = req.header("notion-version")
    if version is None:
        notion_error(400, "missing_version", "Notion-Version header failed validation: Notion-Version header "
                                             "should be defined, instead was `undefined`.")
    if version not in NOTION_VERSIONS:
        notion_error(400, "missing_version", "Notion-Version header failed validation: Notion-Version header "
                                             f"should be a supported version, instead was `{shown(version)}`.")
    if req.bearer() != NOTION_TOKEN:
        notion_error(401, "unauthorized", "API token is invalid.")
    return version


def notion_json(req):
    if not req.body.strip():
        return {}
    try:
        body = json.loads(req.text)
    except ValueError:
        notion_error(400, "invalid_json", "Error parsing JSON body.")
    return body


def notion_parent(parent, version):
    need(isinstance(parent, dict), "body.parent", "an object", parent)
    if "database_id" in parent or "data_source_id" in parent:
        key = "database_id" if "database_id" in parent else "data_source_id"
        ident = notion_uuid(parent[key])
        need(ident is not None, f"body.parent.{key}", "a valid uuid", parent[key])
        if ident not in (NOTION_DATABASE_ID, NOTION_DATA_SOURCE_ID):
            notion_error(404, "object_not_found", f"Could not find database with ID: {ident}. Make sure the "
                                                  "relevant pages and databases are shared with your integration.")
        if version >= "2025-09-03":  # since 2025-09-03 a database row's parent is its data source
            return {"type": "data_source_id", "data_source_id": NOTION_DATA_SOURCE_ID,
                    "database_id": NOTION_DATABASE_ID}, True
        return {"type": "database_id", "database_id": NOTION_DATABASE_ID}, True
    if "page_id" in parent:
        ident = notion_uuid(parent["page_id"])
        need(ident is not None, "body.parent.page_id", "a valid uuid", parent["page_id"])
        if ident not in state.notion_pages:
            notion_error(404, "object_not_found", f"Could not find page with ID: {ident}. Make sure the relevant "
                                                  "pages and databases are shared with your integration.")
        return {"type": "page_id", "page_id": ident}, False
    raise Invalid(f"body.parent should be an object with `database_id`, `data_source_id` or `page_id`, "
                  f"instead was `{shown(parent)}`.")


def notion_create_page(req, version):
    body = notion_json(req)
    try:
        need(isinstance(body, dict), "body", "an object", body)
        parent, under_database = notion_parent(body.get("parent"), version)
        properties = check_properties(body.get("properties"), under_database)
        children = check_blocks(body["children"], "body.children") if "children" in body else []
    except Invalid as error:
        notion_error(400, "validation_error", f"body failed validation: {error}")
    page_id, now = str(uuid.uuid4()), now_iso_minute()
    title = next((p["title"] for p in properties.values() if p["type"] == "title"), [])
    slug = re.sub(r"[^A-Za-z0-9]+", "-", "".join(t["plain_text"] for t in title)).strip("-")
    page = {"object": "page", "id": page_id, "created_time": now, "last_edited_time": now,
            "created_by": {"object": "user", "id": NOTION_BOT_ID},
            "last_edited_by": {"object": "user", "id": NOTION_BOT_ID},
            "cover": body.get("cover"), "icon": body.get("icon"), "parent": parent, "archived": False,
            "in_trash": False, "properties": properties,
            "url": f"https://www.notion.so/{slug + '-' if slug else ''}{page_id.replace('-', '')}",
            "public_url": None}
    state.notion_pages[page_id] = page
    blocks = notion_store_blocks(children, page_id)
    state.delivered["notion_pages"].append({"id": page_id, "parent": parent, "properties": body["properties"],
                                            "children": body.get("children", []), "block_ids": [b["id"] for b in blocks],
                                            "notion_version": version})
    return Reply(200, {**page, "request_id": str(uuid.uuid4())})


def notion_append_children(req, version, block_id):
    ident = notion_uuid(block_id)
    if ident is None:
        notion_error(400, "validation_error",
                     f"path failed validation: path.block_id should be a valid uuid, instead was `{shown(block_id)}`.")
    if ident not in state.notion_pages and ident not in state.notion_blocks:
        notion_error(404, "object_not_found", f"Could not find block with ID: {ident}. Make sure the relevant "
                                              "pages and databases are shared with your integration.")
    body = notion_json(req)
    try:
        need(isinstance(body, dict), "body", "an object", body)
        checked = check_blocks(body.get("children"), "body.children")
    except Invalid as error:
        notion_error(400, "validation_error", f"body failed validation: {error}")
    blocks = notion_store_blocks(checked, ident)
    state.delivered["notion_blocks"].append({"block_id": ident, "children": body["children"],
                                             "block_ids": [b["id"] for b in blocks], "notion_version": version})
    return Reply(200, {"object": "list", "results": blocks, "next_cursor": None, "has_more": False,
                       "type": "block", "block": {}, "request_id": str(uuid.uuid4())})


def notion_get_page(req, version, page_id):
    ident = notion_uuid(page_id)
    if ident not in state.notion_pages:
        notion_error(404, "object_not_found", f"Could not find page with ID: {ident or page_id}. Make sure the "
                                              "relevant pages and databases are shared with your integration.")
    return Reply(200, {**state.notion_pages[ident], "request_id": str(uuid.uuid4())})


def notion_users_me(req, version):
    return Reply(200, {"object": "user", "id": NOTION_BOT_ID, "name": "Quarry Test", "avatar_url": None,
                       "type": "bot", "bot": {"owner": {"type": "workspace", "workspace": True},
                                              "workspace_name": "Quarry Test"},
                       "request_id": str(uuid.uuid4())})


def notion_route(req):
    version = notion_headers(req)
    routes = [
        ("POST", r"^/v1/pages$", notion_create_page),
        ("GET", r"^/v1/pages/([^/]+)$", notion_get_page),
        ("PATCH", r"^/v1/blocks/([^/]+)/children$", notion_append_children),
        ("GET", r"^/v1/users/me$", notion_users_me),
    ]
    for method, pattern, handler in routes:
        match = re.match(pattern, req.path)
        if match and req.method == method:
            return handler(req, version, *match.groups())
    notion_error(400, "invalid_request_url", "Invalid request URL.")


# ============================================================================ Google OAuth

def oauth_error(error, description, status=400):
    raise Reject(status, {"error": error, "error_description": description}, f"{error}: {description}")


def b64url(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify_assertion(assertion):
    """The claims of a service-account JWT, checked the way Google's token endpoint checks them."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = assertion.split(".")
    try:
        header, claims, signature = json.loads(b64url(parts[0])), json.loads(b64url(parts[1])), b64url(parts[2])
    except (ValueError, IndexError):
        oauth_error("invalid_grant", "Invalid JWT: the assertion is not a well-formed signed JWT.")
    if len(parts) != 3 or not isinstance(header, dict) or not isinstance(claims, dict):
        oauth_error("invalid_grant", "Invalid JWT Signature.")
    if claims.get("iss") != GOOGLE_CLIENT_EMAIL:
        oauth_error("invalid_grant", "Invalid grant: account not found")
    if header.get("alg") != "RS256" or header.get("kid", google_private_key_id) != google_private_key_id:
        oauth_error("invalid_grant", "Invalid JWT Signature.")
    try:
        google_public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        oauth_error("invalid_grant", "Invalid JWT Signature.")
    # google-auth always puts Google's endpoint in "aud", even when token_uri points elsewhere.
    if claims.get("aud") not in (GOOGLE_TOKEN_AUDIENCE, base_url + "/token"):
        oauth_error("invalid_grant", f"Invalid JWT: Failed audience check. The expected value was "
                                     f"{GOOGLE_TOKEN_AUDIENCE}. The actual value was {claims.get('aud')}")
    iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
    if not all(isinstance(v, (int, float)) for v in (iat, exp)) or iat > now + 60 or exp - iat > 3600 or exp <= now:
        oauth_error("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                                     "reasonable timeframe. Check your iat and exp values in the JWT claim.")
    scopes = str(claims.get("scope") or "").split()
    if not scopes or not all(s.startswith("https://www.googleapis.com/auth/") for s in scopes):
        oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    return claims, scopes


def google_token(req):
    if req.method != "POST":
        oauth_error("invalid_request", "Invalid request method.", 405)
    if req.content_type() == "application/json":
        try:
            params = {k: str(v) for k, v in json.loads(req.text).items()}
        except (ValueError, AttributeError):
            oauth_error("invalid_request", "Invalid JSON payload.")
    else:
        params = {k: v[-1] for k, v in req.form().items()}
    grant_type = params.get("grant_type")
    if not grant_type:
        oauth_error("invalid_request", "Missing required parameter: grant_type")
    if grant_type != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    if not params.get("assertion"):
        oauth_error("invalid_request", "Missing required parameter: assertion")
    _, scopes = verify_assertion(params["assertion"])
    token = "ya29.standin-" + secrets.token_urlsafe(32)
    state.google_tokens[token] = {"expires": time.time() + 3599, "scopes": scopes}
    return Reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})


# ============================================================================ Sheets

GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE",
                 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
A1_CELLS = re.compile(r"^(?:([A-Za-z]{1,3})(\d*)(?::([A-Za-z]{1,3})(\d*))?|(\d+):(\d+))$")
APPEND_QUERY = {"valueInputOption", "insertDataOption", "includeValuesInResponse", "responseValueRenderOption",
                "responseDateTimeRenderOption", "alt", "prettyPrint", "fields", "quotaUser", "$.xgafv"}
GET_QUERY = {"includeGridData", "ranges", "excludeTablesInBandedRanges", "alt", "prettyPrint", "fields",
             "quotaUser", "$.xgafv"}


def google_error(status, message, headers=None, details=None):
    error = {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    raise Reject(status, {"error": error}, f"{error['status']}: {message}", headers)


def bad_field(field, message):
    google_error(400, message, details=[{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                         "fieldViolations": [{"field": field, "description": message}]}])


def sheets_auth(req, write):
    info = state.google_tokens.get(req.bearer() or "")
    if not info or info["expires"] <= time.time():
        google_error(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                          "cookie or other valid authentication credential. See "
                          "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                     {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
    allowed = {SPREADSHEETS_SCOPE, "https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.file"}
    if not write:
        allowed |= {SPREADSHEETS_SCOPE + ".readonly", "https://www.googleapis.com/auth/drive.readonly"}
    if not allowed & set(info["scopes"]):
        google_error(403, "Request had insufficient authentication scopes.", details=[{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            "domain": "googleapis.com", "metadata": {"service": "sheets.googleapis.com"}}])


def sheets_spreadsheet(spreadsheet_id):
    if spreadsheet_id != SHEETS_SPREADSHEET_ID:  # only this spreadsheet is shared with the service account
        google_error(404, "Requested entity was not found.")
    return state.delivered["sheets"].setdefault(spreadsheet_id, {name: [] for name in SHEETS_SHEETS})


def sheets_query(req, allowed):
    query = parse_qs(req.query, keep_blank_values=True)
    for name in query:
        if name not in allowed:
            google_error(400, f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
                              f"Field '{name}' could not be found in request message.")
    return {k: v[-1] for k, v in query.items()}


def col_number(letters):
    n = 0
    for c in letters.upper():
        n = n * 26 + ord(c) - 64
    return n


def col_letters(n):
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def quoted_sheet(name):
    return name if re.fullmatch(r"[A-Za-z0-9_]+", name) else "'" + name.replace("'", "''") + "'"


def parse_range(text):
    """(sheet name, first column number, first row) of an A1 range, or None if it does not parse."""
    sheet, bang, cells = text.rpartition("!")
    if not bang:
        # A bare name is a sheet when one has that name ("Sheet1" also reads as a cell); else cells of the first sheet.
        bare = text[1:-1].replace("''", "'") if len(text) > 1 and text[0] == text[-1] == "'" else text
        sheet, cells = (text, "") if bare in SHEETS_SHEETS or not A1_CELLS.match(text) else (SHEETS_SHEETS[0], text)
    if len(sheet) > 1 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    match = A1_CELLS.match(cells) if cells else None
    if sheet not in SHEETS_SHEETS or (cells and not match):
        return None
    if not match:
        return sheet, 1, 1
    if match.group(5):
        return sheet, 1, int(match.group(5))
    return sheet, col_number(match.group(1)), int(match.group(2) or 1)


def check_values(body):
    for name in body:
        if name not in ("range", "majorDimension", "values"):
            google_error(400, f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.')
    major = body.get("majorDimension", "ROWS")
    if major not in ("ROWS", "COLUMNS", "DIMENSION_UNSPECIFIED"):
        bad_field("data.major_dimension", "Invalid value at 'data.major_dimension' "
                                          f"(type.googleapis.com/google.apps.sheets.v4.Dimension), {shown(major)}")
    values = body.get("values", [])
    if not isinstance(values, list):
        bad_field("data.values", f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
                                 f"{shown(values)}")
    for i, row in enumerate(values):
        if not isinstance(row, list):
            bad_field(f"data.values[{i}]", f"Invalid value at 'data.values[{i}]' "
                                           f"(type.googleapis.com/google.protobuf.ListValue), {shown(row)}")
        for j, cell in enumerate(row):
            if isinstance(cell, (dict, list)):
                kind = "struct_value" if isinstance(cell, dict) else "list_value"
                google_error(400, f"Invalid values[{i}][{j}]: {kind} {json.dumps(cell)}")
    if major == "COLUMNS":  # values are columns; store them as rows
        width = max((len(c) for c in values), default=0)
        values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
    return values


def sheets_append(req, spreadsheet_id, range_text):
    sheets_auth(req, write=True)
    sheets = sheets_spreadsheet(spreadsheet_id)
    query = sheets_query(req, APPEND_QUERY)
    option = query.get("valueInputOption")
    if option is None:
        google_error(400, "'valueInputOption' is required but not specified")
    if option not in ("RAW", "USER_ENTERED"):
        bad_field("value_input_option", "Invalid value at 'value_input_option' "
                                        f"(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), {shown(option)}")
    insert = query.get("insertDataOption", "OVERWRITE")
    if insert not in ("OVERWRITE", "INSERT_ROWS"):
        bad_field("insert_data_option", "Invalid value at 'insert_data_option' (type.googleapis.com/"
                                        f"google.apps.sheets.v4.AppendValuesRequest.InsertDataOption), {shown(insert)}")
    include = query.get("includeValuesInResponse", "false")
    if include not in ("true", "false"):
        bad_field("include_values_in_response", "Invalid value at 'include_values_in_response' (TYPE_BOOL), "
                                                f"{shown(include)}")
    parsed = parse_range(range_text)
    if parsed is None:
        google_error(400, f"Unable to parse range: {range_text}")
    try:
        body = json.loads(req.text) if req.body.strip() else {}
    except ValueError:
        google_error(400, "Invalid JSON payload received. Unexpected token.")
    if not isinstance(body, dict):
        google_error(400, f"Invalid JSON payload received. Unknown name \"\": Root element must be a message.")
    # The body's range, when given, must name the same range as the URL.
    if "range" in body and parse_range(str(body["range"])) != parsed:
        google_error(400, f"Requested writing within range [{range_text}], but tried writing within "
                          f"range [{body['range']}].")
    values = check_values(body)
    return Reply(200, sheets_write(spreadsheet_id, sheets, parsed, values, option, insert, include == "true"))


def sheets_write(spreadsheet_id, sheets, parsed, values, option, insert, include):
    sheet, first_col, first_row = parsed
    rows = sheets[sheet]
    used = max((i + 1 for i, row in enumerate(rows) if any(c not in (None, "") for c in row)), default=0)
    width = max((len(r) for r in rows), default=0)
    table = f"{quoted_sheet(sheet)}!A1:{col_letters(max(width, 1))}{used}" if used else None
    start = max(used + 1, first_row)
    while len(rows) < start - 1:
        rows.append([])
    for offset, row in enumerate(values):
        index = start - 1 + offset
        cells = [None] * (first_col - 1) + list(row)
        if index < len(rows):
            rows[index] = cells
        else:
            rows.append(cells)
    columns = max((len(r) for r in values), default=0)
    end_col = col_letters(first_col + max(columns, 1) - 1)
    updated = f"{quoted_sheet(sheet)}!{col_letters(first_col)}{start}:{end_col}{start + max(len(values), 1) - 1}"
    updates = {"spreadsheetId": spreadsheet_id, "updatedRange": updated, "updatedRows": len(values),
               "updatedColumns": columns, "updatedCells": sum(len(r) for r in values)}
    if include:
        updates["updatedData"] = {"range": updated, "majorDimension": "ROWS", "values": values}
    state.delivered["sheets_appends"].append({"spreadsheet_id": spreadsheet_id, "sheet": sheet, "values": values,
                                              "value_input_option": option, "insert_data_option": insert,
                                              "updated_range": updated})
    answer = {"spreadsheetId": spreadsheet_id, "updates": updates}
    if table:
        answer["tableRange"] = table
    return answer


def sheets_get(req, spreadsheet_id):
    sheets_auth(req, write=False)
    sheets_spreadsheet(spreadsheet_id)
    sheets_query(req, GET_QUERY)
    return Reply(200, {
        "spreadsheetId": spreadsheet_id,
        "properties": {"title": "Quarry Test", "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT"},
        "sheets": [{"properties": {"sheetId": i, "title": name, "index": i, "sheetType": "GRID",
                                   "gridProperties": {"rowCount": 1000, "columnCount": 26}}}
                   for i, name in enumerate(SHEETS_SHEETS)],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"})


def sheets_route(req):
    append = re.match(r"^/v4/spreadsheets/([^/]+)/values/(.+):append$", req.path)
    if append and req.method == "POST":
        return sheets_append(req, append.group(1), unquote(append.group(2)))
    get = re.match(r"^/v4/spreadsheets/([^/:]+)$", req.path)
    if get and req.method == "GET":
        return sheets_get(req, get.group(1))
    google_error(404, "Requested entity was not found.")


# ============================================================================ dispatch, faults, recording

def service_of(path):
    for prefix, service in (("/api/", "slack"), ("/services/", "slack_webhook"), ("/2010-04-01/", "twilio"),
                            ("/v1/", "notion"), ("/v4/", "sheets")):
        if path.startswith(prefix):
            return service
    return "google_token" if path == "/token" else None


def dispatch(service, req):
    if service == "slack":
        handler = {"/api/chat.postMessage": slack_post_message, "/api/auth.test": slack_auth_test}
        return handler.get(req.path, slack_unknown_method)(req)
    return {"slack_webhook": slack_webhook, "twilio": twilio_route, "notion": notion_route,
            "google_token": google_token, "sheets": sheets_route}[service](req)


FAULT_BODIES = {
    "slack": lambda s: {"ok": False, "error": "ratelimited" if s == 429 else "fatal_error"},
    "slack_webhook": lambda s: "rate_limited" if s == 429 else "internal_error",
    "twilio": lambda s: {"code": 20429 if s == 429 else 20000 + s,
                         "message": "Too Many Requests" if s == 429 else "Service Unavailable" if s == 503
                         else "Internal Server Error",
                         "more_info": f"https://www.twilio.com/docs/errors/{20429 if s == 429 else 20000 + s}",
                         "status": s},
    "notion": lambda s: {"object": "error", "status": s, "request_id": str(uuid.uuid4()), **{
        429: {"code": "rate_limited", "message": "You have been rate limited. Please try again in a few minutes."},
        502: {"code": "bad_gateway", "message": "Bad gateway."},
        503: {"code": "service_unavailable", "message": "Notion is unavailable, try again later."},
        504: {"code": "gateway_timeout", "message": "Gateway timeout."},
    }.get(s, {"code": "internal_server_error", "message": "Unexpected error occurred."})},
    "google_token": lambda s: {"error": "rate_limit_exceeded" if s == 429 else "internal_failure",
                               "error_description": "Rate limit exceeded." if s == 429 else "Backend Error"},
    "sheets": lambda s: {"error": {"code": s, "status": GOOGLE_STATUS.get(s, "UNKNOWN"), "message": {
        429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' "
             "of service 'sheets.googleapis.com'.",
        503: "The service is currently unavailable."}.get(s, "Internal error encountered.")}},
}


def add_fault(spec):
    if not isinstance(spec, dict) or spec.get("service") not in SERVICES:
        return f"service must be one of {', '.join(SERVICES)}"
    status, delay, times = spec.get("status"), spec.get("delay", 0), spec.get("times", 1)
    if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
        return "status must be an HTTP status code"
    if not isinstance(delay, (int, float)) or delay < 0 or not isinstance(times, int) or times < 1:
        return "delay must be a number >= 0 and times an integer >= 1"
    if status is None and not delay:
        return "give a status, a delay or both"
    fault = {k: spec.get(k) for k in ("service", "status", "retry_after", "body")}
    state.faults.setdefault(spec["service"], []).append({**fault, "delay": delay, "remaining": times})
    return None


def take_fault(service):
    queue = state.faults.get(service) or []
    if not queue:
        return None
    fault = queue[0]
    fault["remaining"] -= 1
    if fault["remaining"] <= 0:
        queue.pop(0)
    if not queue:
        del state.faults[service]
    return fault


def fault_reply(service, fault):
    status = fault["status"]
    body = fault["body"] if fault.get("body") is not None else FAULT_BODIES[service](status)
    headers = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else {}
    return Reply(status, body, headers, f"fault {status}")


def record(service, req, reply, outcome):
    entry = {"service": service or "unknown", "method": req.method, "path": req.path,
             "query": {k: v[-1] if len(v) == 1 else v for k, v in parse_qs(req.query, keep_blank_values=True).items()},
             "headers": dict(req.headers), "body": req.text, "time": req.time, "status": reply.status,
             "outcome": outcome, "error": reply.error}
    if getattr(reply, "replay", False):
        entry["replay"] = True  # an idempotent repeat answered from the first request's result
    state.requests.append(entry)


def handle_service(req):
    service = service_of(req.path)
    with lock:
        state.arrived[service or "unknown"] = state.arrived.get(service or "unknown", 0) + 1
        fault = take_fault(service) if service else None
    if fault and fault["delay"]:
        time.sleep(fault["delay"])  # for timeout tests; then answer normally (or with the fault's status)
    with lock:
        if fault and fault["status"]:
            reply, outcome = fault_reply(service, fault), "fault"
        elif service is None:
            reply, outcome = Reply(404, {"error": "not found"}, error="no such route"), "rejected"
        else:
            try:
                reply, outcome = dispatch(service, req), "accepted"
            except Reject as rejection:
                reply, outcome = rejection.reply, "rejected"
            except Exception as error:  # a stand-in bug: answer 500 and keep the record, rather than hang up
                traceback.print_exc()
                reply, outcome = Reply(500, {"error": f"stand-in error: {error!r}"}, error=repr(error)), "fault"
        record(service, req, reply, outcome)
    return reply


def handle_control(req):
    """Answers the test-control routes, or None when the path is not one."""
    if req.path == "/healthz":
        return Reply(200, {"ok": True})
    with lock:
        if req.path == "/_requests" and req.method == "GET":
            wanted = parse_qs(req.query).get("service", [None])[-1]
            return Reply(200, {"requests": [r for r in state.requests if wanted in (None, r["service"])], "arrived": dict(state.arrived)})
        if req.path == "/_delivered" and req.method == "GET":
            return Reply(200, json.loads(json.dumps(state.delivered)))
        if req.path == "/_faults" and req.method == "POST":
            try:
                problem = add_fault(json.loads(req.text or "null"))
            except ValueError:
                problem = "body must be JSON"
            return Reply(400, {"ok": False, "error": problem}) if problem else Reply(200, {"ok": True, "faults": state.faults})
        if req.path == "/_faults" and req.method == "GET":
            return Reply(200, {"faults": state.faults})
        if req.path == "/_faults" and req.method == "DELETE":
            state.faults.clear()
            return Reply(200, {"ok": True})
        if req.path == "/_reset" and req.method == "POST":
            state.reset()
            return Reply(200, {"ok": True})
        if req.path == "/_tokens/expire" and req.method == "POST":
            for info in state.google_tokens.values():
                info["expires"] = 0
            return Reply(200, {"ok": True, "expired": len(state.google_tokens)})
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are closed after this

    def log_message(self, *args):
        pass

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, reply):
        if isinstance(reply.body, str):
            data, ctype = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        split = urlsplit(self.path)
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        req = Request(self.command, split.path, split.query, headers, self.read_body())
        try:
            self.send(handle_control(req) or handle_service(req))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True  # the client gave up (a timeout test); nothing to answer

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, tls):
        super().__init__(address, Handler)
        self.tls = tls

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, in the connection's own thread, so a slow client blocks no one.
        request.settimeout(30)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()


# ============================================================================ start-up

def write_json(path, value):
    temporary = path + ".tmp"
    with open(temporary, "w") as file:
        json.dump(value, file, indent=2)
    os.replace(temporary, path)  # readers never see a half-written file


def make_service_account(state_dir, port):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    global google_public_key, google_private_key_id
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    google_public_key, google_private_key_id = key.public_key(), secrets.token_hex(20)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = os.path.join(state_dir, "service-account.json")
    write_json(path, {
        "type": "service_account", "project_id": GOOGLE_PROJECT_ID, "private_key_id": google_private_key_id,
        "private_key": pem, "client_email": GOOGLE_CLIENT_EMAIL, "client_id": GOOGLE_CLIENT_ID,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": f"https://127.0.0.1:{port}/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                + GOOGLE_CLIENT_EMAIL.replace("@", "%40"),
        "universe_domain": "googleapis.com"})
    os.chmod(path, 0o600)
    return path


def make_tls(state_dir):
    import trustme

    ca = trustme.CA()
    ca_path = os.path.join(state_dir, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context, ca_path


def ready_document(port, ca_path, key_path):
    return {
        "port": port, "pid": os.getpid(), "base_url": base_url, "ca_file": ca_path,
        "slack": {"api_base_url": base_url + "/api", "bot_token": SLACK_BOT_TOKEN,
                  "webhook_path": SLACK_WEBHOOK_PATH, "webhook_url": base_url + SLACK_WEBHOOK_PATH,
                  "team_id": SLACK_TEAM_ID, "user_id": SLACK_USER_ID, "bot_id": SLACK_BOT_ID},
        "twilio": {"base_url": base_url, "account_sid": TWILIO_ACCOUNT_SID, "auth_token": TWILIO_AUTH_TOKEN},
        "notion": {"base_url": base_url, "token": NOTION_TOKEN, "database_id": NOTION_DATABASE_ID,
                   "data_source_id": NOTION_DATA_SOURCE_ID, "bot_id": NOTION_BOT_ID,
                   "versions": list(NOTION_VERSIONS)},
        "google": {"service_account_file": key_path, "client_email": GOOGLE_CLIENT_EMAIL,
                   "private_key_id": google_private_key_id, "token_uri": base_url + "/token",
                   "sheets_base_url": base_url, "spreadsheet_id": SHEETS_SPREADSHEET_ID,
                   "sheets": list(SHEETS_SHEETS), "scope": SPREADSHEETS_SCOPE},
    }


def main():
    global base_url
    # A parent that ignores or blocks SIGTERM (a test process may) passes that on through exec:
    # stopping must still work.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()
    args.state_dir = os.path.abspath(args.state_dir)  # ready.json names files by absolute path
    os.makedirs(args.state_dir, exist_ok=True)
    ready_path = os.path.join(args.state_dir, "ready.json")
    if os.path.exists(ready_path):
        os.remove(ready_path)
    base_url = f"https://127.0.0.1:{args.port}"
    tls, ca_path = make_tls(args.state_dir)
    key_path = make_service_account(args.state_dir, args.port)
    server = Server(("127.0.0.1", args.port), tls)  # listening from here; requests wait in the backlog
    write_json(ready_path, ready_document(args.port, ca_path, key_path))
    server.serve_forever()


if __name__ == "__main__":
    main()
