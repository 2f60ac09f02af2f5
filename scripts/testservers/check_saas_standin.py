#!/usr/bin/env python3
"""Developer check for saas_standin.py (not part of the Swift suite).

Starts the stand-in on a free port in a temporary state directory and drives it with the official
SDKs (slack_sdk, twilio, notion-client, google-auth + google-api-python-client), trusting the
stand-in's private CA (DIR/ca.pem), to prove it accepts what real clients send and answers in shapes
they parse; then sends requests the real services refuse and checks each is refused the same way,
and exercises the fault and recording routes.

    ~/.cache/quarry/venv/bin/python scripts/testservers/check_saas_standin.py

Prints one line per check and exits non-zero if any failed.
"""
import http.client
import json
import logging
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

import google_auth_httplib2
import httplib2
import httpx
import jwt
import notion_client
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import DividerBlock, HeaderBlock, SectionBlock
from slack_sdk.webhook import WebhookClient
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "saas_standin.py")
SCOPE = "https://www.googleapis.com/auth/spreadsheets"
warnings.filterwarnings("ignore")  # slack_sdk warns about messages without text; those are deliberate here

passed, failed = 0, 0
ready = {}  # DIR/ready.json
ctx = {}  # results one check hands to a later one


def check(name):
    """Runs the decorated function at once as a check: it passes unless it raises."""
    def run(fn):
        global passed, failed
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - any failure is a failed check
            failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}")
        else:
            passed += 1
            print(f"ok   {name}")
        return fn
    return run


def expect(condition, message="", *values):
    if not condition:
        raise AssertionError(message + (" " + " | ".join(repr(v) for v in values) if values else ""))


def raises(kind, fn):
    try:
        fn()
    except kind as error:
        return error
    raise AssertionError(f"expected {kind.__name__}")


# ---------------------------------------------------------------------------- harness

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(state_dir):
    port = free_port()
    log = open(os.path.join(state_dir, "server.log"), "w")
    proc = subprocess.Popen([sys.executable, SERVER, "--port", str(port), "--state-dir", state_dir],
                            stdout=log, stderr=subprocess.STDOUT)
    ready_path = os.path.join(state_dir, "ready.json")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("stand-in exited; see " + log.name)
        if os.path.exists(ready_path):
            with open(ready_path) as file:
                document = json.load(file)
            try:
                if requests.get(document["base_url"] + "/healthz", verify=document["ca_file"], timeout=2).ok:
                    return proc, document
            except requests.RequestException:
                pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("stand-in did not become ready")


def url(path):
    return ready["base_url"] + path


def raw(method, path, **kwargs):
    kwargs.setdefault("timeout", 10)
    return requests.request(method, url(path), verify=ready["ca_file"], **kwargs)


def delivered():
    return raw("GET", "/_delivered").json()


def recorded(service=None):
    return raw("GET", "/_requests", params={"service": service} if service else None).json()["requests"]


def fault(**spec):
    response = raw("POST", "/_faults", json=spec)
    expect(response.status_code == 200, "fault not accepted", response.text)


def ssl_context():
    return ssl.create_default_context(cafile=ready["ca_file"])


# ---------------------------------------------------------------------------- clients

def slack_client(token=None, **kwargs):
    return WebClient(token=token or ready["slack"]["bot_token"], base_url=ready["slack"]["api_base_url"],
                     ssl=ssl_context(), **kwargs)


class StandinTwilioHttpClient(TwilioHttpClient):
    """twilio-python has no base-URL option: rewrite its fixed host to the stand-in's."""

    def __init__(self):
        super().__init__()
        self.session.verify = ready["ca_file"]

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace("https://api.twilio.com", ready["twilio"]["base_url"]), *args, **kwargs)


def twilio_client(token=None):
    return TwilioClient(ready["twilio"]["account_sid"], token or ready["twilio"]["auth_token"],
                        http_client=StandinTwilioHttpClient())


def notion(token=None, **kwargs):
    return notion_client.Client(auth=token or ready["notion"]["token"], base_url=ready["notion"]["base_url"],
                                client=httpx.Client(verify=ssl_context()), log_level=logging.CRITICAL, **kwargs)


def google_credentials(scopes=(SCOPE,)):
    return service_account.Credentials.from_service_account_file(ready["google"]["service_account_file"],
                                                                 scopes=list(scopes))


def sheets_service(credentials=None):
    http = google_auth_httplib2.AuthorizedHttp(credentials or google_credentials(),
                                               http=httplib2.Http(ca_certs=ready["ca_file"]))
    return build("sheets", "v4", http=http, client_options={"api_endpoint": ready["google"]["sheets_base_url"] + "/"},
                 static_discovery=True)


def google_auth_request():
    session = requests.Session()
    session.verify = ready["ca_file"]
    return GoogleAuthRequest(session)


def signed_assertion(**claims):
    """A JWT bearer assertion signed with the service account's key, with `claims` overriding the usual ones."""
    with open(ready["google"]["service_account_file"]) as file:
        key = json.load(file)
    now = int(time.time())
    body = {"iss": key["client_email"], "aud": "https://oauth2.googleapis.com/token", "scope": SCOPE,
            "iat": now, "exp": now + 3600, **claims}
    return jwt.encode(body, key["private_key"], algorithm="RS256", headers={"kid": key["private_key_id"]})


def token_request(assertion):
    return raw("POST", "/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                        "assertion": assertion})


# ---------------------------------------------------------------------------- Slack

BLOCKS = [{"type": "header", "text": {"type": "plain_text", "text": "Quarry run finished"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*3* documents indexed"}},
          {"type": "divider"},
          {"type": "context", "elements": [{"type": "mrkdwn", "text": "workflow `nightly`"}]}]


def slack_checks():
    client = slack_client()

    @check("slack sdk chat_postMessage text")
    def _():
        answer = client.chat_postMessage(channel="#alerts", text="hello from the check")
        expect(answer["ok"] and re.fullmatch(r"C[A-Z0-9]+", answer["channel"]), "channel", answer.data)
        expect(re.fullmatch(r"\d+\.\d{6}", answer["ts"]), "ts", answer["ts"])
        expect(answer["message"]["text"] == "hello from the check" and answer["message"]["ts"] == answer["ts"])
        last = delivered()["slack_messages"][-1]
        expect(last["channel"] == "#alerts" and last["text"] == "hello from the check" and last["ts"] == answer["ts"],
               "delivered", last)
        ctx["slack_ts"], ctx["slack_channel"] = answer["ts"], answer["channel"]

    @check("slack sdk chat_postMessage blocks (dicts and slack_sdk block models)")
    def _():
        answer = client.chat_postMessage(channel="C0123456789", text="fallback", blocks=BLOCKS)
        expect(answer["channel"] == "C0123456789" and answer["message"]["blocks"] == BLOCKS, "echo", answer.data)
        expect(delivered()["slack_messages"][-1]["blocks"] == BLOCKS, "delivered blocks")
        models = [HeaderBlock(text="Models"), SectionBlock(text="*mrkdwn* section"), DividerBlock()]
        answer = client.chat_postMessage(channel="#alerts", text="models", blocks=models)
        expect([b["type"] for b in answer["message"]["blocks"]] == ["header", "section", "divider"], "models")

    @check("slack sdk thread reply carries thread_ts, ts increases")
    def _():
        answer = client.chat_postMessage(channel=ctx["slack_channel"], text="a reply", thread_ts=ctx["slack_ts"],
                                         unfurl_links=False, mrkdwn=True)
        expect(answer["message"]["thread_ts"] == ctx["slack_ts"], "thread_ts", answer.data)
        expect(float(answer["ts"]) > float(ctx["slack_ts"]), "ts order")
        expect(delivered()["slack_messages"][-1]["thread_ts"] == ctx["slack_ts"], "delivered thread_ts")

    @check("slack sdk auth_test")
    def _():
        answer = client.auth_test()
        expect(answer["user_id"] == "U0STANDIN" and answer["team_id"] == "T0001" and answer["bot_id"] == "B0STANDIN",
               "auth.test", answer.data)

    @check("slack form-urlencoded post (token in body, blocks as JSON string)")
    def _():
        answer = raw("POST", "/api/chat.postMessage", data={
            "token": ready["slack"]["bot_token"], "channel": "general", "text": "form post",
            "blocks": json.dumps(BLOCKS[:2]), "unfurl_links": "false"}).json()
        expect(answer["ok"] and answer["message"]["blocks"] == BLOCKS[:2], "form", answer)
        expect(delivered()["slack_messages"][-1]["format"] == "form", "format")

    @check("slack webhook client send text and blocks")
    def _():
        hook = WebhookClient(ready["slack"]["webhook_url"], ssl=ssl_context())
        answer = hook.send(text="webhook text")
        expect(answer.status_code == 200 and answer.body == "ok", "send", answer.status_code, answer.body)
        answer = hook.send(text="fallback", blocks=BLOCKS)
        expect(answer.status_code == 200, "blocks", answer.body)
        hooks = delivered()["slack_webhooks"][-2:]
        expect(hooks[0]["text"] == "webhook text" and hooks[1]["blocks"] == BLOCKS, "delivered", hooks)


def slack_error(call):
    return raises(SlackApiError, call).response["error"]


def slack_negative_checks():
    client = slack_client()

    @check("slack wrong token -> SlackApiError invalid_auth (HTTP 200)")
    def _():
        error = raises(SlackApiError, lambda: slack_client("xoxb-wrong").chat_postMessage(channel="#a", text="x"))
        expect(error.response["error"] == "invalid_auth" and error.response.status_code == 200, "", error.response.data)
        expect(slack_error(lambda: slack_client("xoxb-wrong").auth_test()) == "invalid_auth")

    @check("slack missing token -> not_authed")
    def _():
        answer = raw("POST", "/api/chat.postMessage", json={"channel": "#a", "text": "x"})
        expect(answer.status_code == 200 and answer.json() == {"ok": False, "error": "not_authed"}, "", answer.text)

    @check("slack no/bad channel -> channel_not_found")
    def _():
        expect(slack_error(lambda: client.chat_postMessage(channel="", text="x")) == "channel_not_found")
        expect(slack_error(lambda: client.chat_postMessage(channel="#no spaces", text="x")) == "channel_not_found")

    @check("slack no text/blocks/attachments -> no_text")
    def _():
        expect(slack_error(lambda: client.chat_postMessage(channel="#a")) == "no_text")

    @check("slack invalid blocks -> invalid_blocks with json-pointer errors")
    def _():
        cases = [[{"type": "section", "text": "not an object"}], [{"type": "carousel"}],
                 [{"type": "header", "text": {"type": "mrkdwn", "text": "header must be plain_text"}}],
                 [{"type": "section", "text": {"type": "markdown", "text": "x"}}],
                 [{"type": "divider"}] * 51]
        for blocks in cases:
            error = raises(SlackApiError, lambda: client.chat_postMessage(channel="#a", text="x", blocks=blocks))
            expect(error.response["error"] == "invalid_blocks" and "json-pointer:/blocks" in error.response["errors"][0],
                   "", blocks[:1], error.response.data)

    @check("slack text over 40000 chars -> msg_too_long; bad thread_ts -> invalid_thread_ts")
    def _():
        expect(slack_error(lambda: client.chat_postMessage(channel="#a", text="x" * 40001)) == "msg_too_long")
        expect(slack_error(lambda: client.chat_postMessage(channel="#a", text="x", thread_ts="yesterday"))
               == "invalid_thread_ts")

    @check("slack webhook errors: invalid_token 403, no_service 404, invalid_payload/no_text 400")
    def _():
        wrong = ready["slack"]["webhook_url"].replace("standinwebhooksecret", "wrongsecret")
        answer = WebhookClient(wrong, ssl=ssl_context()).send(text="x")
        expect((answer.status_code, answer.body) == (403, "invalid_token"), "secret", answer.status_code, answer.body)
        answer = WebhookClient(url("/services/T9/B9/x"), ssl=ssl_context()).send(text="x")
        expect((answer.status_code, answer.body) == (404, "no_service"), "path", answer.status_code, answer.body)
        path = ready["slack"]["webhook_path"]
        answer = raw("POST", path, data="not json", headers={"Content-Type": "application/json"})
        expect((answer.status_code, answer.text) == (400, "invalid_payload"), "payload", answer.text)
        answer = raw("POST", path, json={"username": "x"})
        expect((answer.status_code, answer.text) == (400, "no_text"), "no_text", answer.text)


# ---------------------------------------------------------------------------- Twilio

def twilio_checks():
    client = twilio_client()

    @check("twilio sdk messages.create SMS with status_callback")
    def _():
        message = client.messages.create(to="+15551230001", from_="+15550100001", body="SMS from the check",
                                         status_callback="https://hooks.example.com/twilio/status")
        expect(re.fullmatch(r"SM[0-9a-f]{32}", message.sid) and message.status == "queued", "", message.sid)
        expect(message.to == "+15551230001" and message.from_ == "+15550100001" and message.num_segments == "1")
        expect(message.date_created is not None and message.date_created.year >= 2024, "rfc2822 date parsed")
        expect(message.direction == "outbound-api" and message.api_version == "2010-04-01" and message.price is None)
        last = delivered()["twilio_messages"][-1]
        expect(last["sid"] == message.sid and last["status_callback"] == "https://hooks.example.com/twilio/status",
               "delivered", last)
        ctx["twilio_sid"] = message.sid

    @check("twilio sdk messages.create WhatsApp")
    def _():
        message = client.messages.create(to="whatsapp:+15551230002", from_="whatsapp:+14155238886",
                                         body="WhatsApp from the check",
                                         status_callback="http://127.0.0.1:9/status")
        expect(message.to == "whatsapp:+15551230002", "", message.to)
        expect(delivered()["twilio_messages"][-1]["from"] == "whatsapp:+14155238886")

    @check("twilio sdk fetch message and account (credential check)")
    def _():
        expect(client.messages(ctx["twilio_sid"]).fetch().body == "SMS from the check", "message")
        account = client.api.v2010.accounts(ready["twilio"]["account_sid"]).fetch()
        expect(account.status == "active" and account.sid == ready["twilio"]["account_sid"], "account")

    @check("twilio same I-Twilio-Idempotency-Token twice -> one message, same sid")
    def _():
        # twilio-python has no way to send this header, so the repeat goes through requests.
        before = len(delivered()["twilio_messages"])
        path = f"/2010-04-01/Accounts/{ready['twilio']['account_sid']}/Messages.json"
        send = lambda: raw("POST", path, auth=(ready["twilio"]["account_sid"], ready["twilio"]["auth_token"]),
                           data={"To": "+15551230003", "From": "+15550100001", "Body": "once"},
                           headers={"I-Twilio-Idempotency-Token": "check-" + ctx.setdefault("token", uuid.uuid4().hex)})
        first, second = send(), send()
        expect(first.status_code == second.status_code == 201, "status", first.text, second.text)
        expect(first.json()["sid"] == second.json()["sid"], "same sid")
        expect(len(delivered()["twilio_messages"]) == before + 1, "delivered once")
        expect(recorded("twilio")[-1].get("replay") is True, "second marked as replay")


def twilio_raw(data, auth=None):
    path = f"/2010-04-01/Accounts/{ready['twilio']['account_sid']}/Messages.json"
    return raw("POST", path, data=data, auth=auth or (ready["twilio"]["account_sid"], ready["twilio"]["auth_token"]))


def twilio_negative_checks():
    client = twilio_client()

    @check("twilio wrong auth token -> TwilioRestException 401 code 20003")
    def _():
        error = raises(TwilioRestException,
                       lambda: twilio_client("wrong").messages.create(to="+15551230001", from_="+15550100001", body="x"))
        expect(error.status == 401 and error.code == 20003, "", error.status, error.code)
        body = twilio_raw({"To": "+15551230001"}, auth=("ACx", "y")).json()
        expect(body == {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                        "status": 401}, "shape", body)

    @check("twilio bad numbers / missing fields -> 21211, 21602, 21603, 21604, 21910")
    def _():
        error = raises(TwilioRestException, lambda: client.messages.create(to="+123", from_="+15550100001", body="x"))
        expect(error.status == 400 and error.code == 21211, "21211", error.code)
        error = raises(TwilioRestException, lambda: client.messages.create(to="+15551230001", from_="+15550100001"))
        expect(error.code == 21602, "21602", error.code)
        error = raises(TwilioRestException, lambda: client.messages.create(to="+15551230001", body="x"))
        expect(error.code == 21603, "21603", error.code)
        expect(twilio_raw({"From": "+15550100001", "Body": "x"}).json()["code"] == 21604, "21604")
        error = raises(TwilioRestException,
                       lambda: client.messages.create(to="whatsapp:+15551230001", from_="+15550100001", body="x"))
        expect(error.code == 21910, "21910", error.code)

    @check("twilio bad StatusCallback -> 21609; JSON body is not read -> 21604")
    def _():
        error = raises(TwilioRestException, lambda: client.messages.create(
            to="+15551230001", from_="+15550100001", body="x", status_callback="ftp://example.com/cb"))
        expect(error.code == 21609, "", error.code)
        path = f"/2010-04-01/Accounts/{ready['twilio']['account_sid']}/Messages.json"
        answer = raw("POST", path, json={"To": "+15551230001", "From": "+15550100001", "Body": "x"},
                     auth=(ready["twilio"]["account_sid"], ready["twilio"]["auth_token"]))
        expect(answer.status_code == 400 and answer.json()["code"] == 21604, "", answer.text)


# ---------------------------------------------------------------------------- Notion

def rich(text):
    return [{"type": "text", "text": {"content": text}}]


CHILDREN = [
    {"object": "block", "type": "heading_2", "heading_2": {"rich_text": rich("Summary")}},
    {"object": "block", "type": "paragraph", "paragraph": {"rich_text": rich("Three documents were indexed.")}},
    {"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": rich("first")}},
    {"numbered_list_item": {"rich_text": rich("untyped blocks are accepted, as by Notion")}},
    {"type": "quote", "quote": {"rich_text": rich("a quote")}},
    {"type": "callout", "callout": {"rich_text": rich("note"), "icon": {"type": "emoji", "emoji": "💡"}}},
    {"type": "code", "code": {"rich_text": rich("print(1)"), "language": "python"}},
    {"type": "divider", "divider": {}},
]


def notion_checks():
    client = notion()
    database = ready["notion"]["database_id"]

    @check("notion sdk pages.create in the database with properties and children")
    def _():
        page = client.pages.create(
            parent={"database_id": database.replace("-", "")},
            properties={
                "Name": {"title": rich("Nightly run")},
                "Notes": {"rich_text": [{"type": "text", "text": {"content": "see", "link": {"url": "https://example.com"}}}]},
                "Count": {"number": 3}, "Status": {"select": {"name": "Done"}},
                "Tags": {"multi_select": [{"name": "quarry"}, {"name": "nightly"}]},
                "Due": {"date": {"start": "2026-03-01T10:00:00Z"}}, "Link": {"url": "https://example.com/run/1"},
                "Reviewed": {"checkbox": False}, "Owner": {"email": "ops@example.com"},
            },
            children=CHILDREN)
        expect(page["object"] == "page" and uuid.UUID(page["id"]) and page["archived"] is False, "", page)
        expect(page["parent"]["database_id"] == database and page["url"].startswith("https://www.notion.so/"), "parent")
        expect(page["properties"]["Name"]["title"][0]["plain_text"] == "Nightly run", "title")
        last = delivered()["notion_pages"][-1]
        expect(last["id"] == page["id"] and len(last["children"]) == len(CHILDREN), "delivered", last)
        ctx["notion_page"] = page["id"]

    @check("notion sdk blocks.children.append to the created page")
    def _():
        answer = client.blocks.children.append(block_id=ctx["notion_page"], children=CHILDREN[:2])
        expect(answer["object"] == "list" and len(answer["results"]) == 2 and answer["has_more"] is False, "", answer)
        expect(answer["results"][0]["type"] == "heading_2" and uuid.UUID(answer["results"][0]["id"]), "block")
        last = delivered()["notion_blocks"][-1]
        expect(last["block_id"] == ctx["notion_page"] and last["block_ids"] == [b["id"] for b in answer["results"]])

    @check("notion sdk users.me (credential check)")
    def _():
        me = client.users.me()
        expect(me["object"] == "user" and me["type"] == "bot", "", me)

    @check("notion sdk with Notion-Version 2022-06-28: child page of a page")
    def _():
        old = notion(notion_version="2022-06-28")
        page = old.pages.create(parent={"page_id": ctx["notion_page"]}, properties={"title": {"title": rich("Child")}})
        expect(page["parent"] == {"type": "page_id", "page_id": ctx["notion_page"]}, "", page["parent"])
        expect(delivered()["notion_pages"][-1]["notion_version"] == "2022-06-28")


def notion_error(call):
    return raises(notion_client.APIResponseError, call)


def notion_negative_checks():
    client = notion()
    database = ready["notion"]["database_id"]
    title = {"Name": {"title": rich("x")}}

    @check("notion missing Notion-Version -> 400 missing_version")
    def _():
        answer = raw("GET", "/v1/users/me", headers={"Authorization": "Bearer " + ready["notion"]["token"]})
        body = answer.json()
        expect(answer.status_code == 400 and body["object"] == "error" and body["code"] == "missing_version", "", body)
        expect(body["message"] == "Notion-Version header failed validation: Notion-Version header should be defined, "
                                  "instead was `undefined`.", "message", body["message"])

    @check("notion wrong token -> APIResponseError unauthorized 401")
    def _():
        error = notion_error(lambda: notion("ntn_wrong").users.me())
        expect(error.code == notion_client.APIErrorCode.Unauthorized and error.status == 401, "", error.code)
        expect(str(error) == "API token is invalid.", "message", str(error))

    @check("notion unknown database / block -> object_not_found 404")
    def _():
        error = notion_error(lambda: client.pages.create(parent={"database_id": str(uuid.uuid4())}, properties=title))
        expect(error.code == "object_not_found" and error.status == 404, "db", error.code)
        error = notion_error(lambda: client.blocks.children.append(block_id=str(uuid.uuid4()), children=CHILDREN[:1]))
        expect(error.code == "object_not_found", "block", error.code)

    @check("notion validation_error with Notion's path message (2100-char title)")
    def _():
        error = notion_error(lambda: client.pages.create(parent={"database_id": database},
                                                         properties={"Name": {"title": rich("x" * 2100)}}))
        expect(error.code == "validation_error" and error.status == 400, "", error.code)
        expect("body.properties.Name.title[0].text.content.length should be ≤ `2000`, instead was `2100`." in str(error),
               "message", str(error))

    @check("notion validation_error: 101 children, two titles, bad select, unknown block type")
    def _():
        cases = [
            dict(properties=title, children=[CHILDREN[1]] * 101),
            dict(properties={"Name": {"title": rich("a")}, "Other": {"title": rich("b")}}),
            dict(properties={**title, "Status": {"select": "Done"}}),
            dict(properties=title, children=[{"type": "table_of_everything", "table_of_everything": {}}]),
            dict(properties=title, children=[{"type": "paragraph", "paragraph": {"text": rich("old key")}}]),
        ]
        for case in cases:
            error = notion_error(lambda: client.pages.create(parent={"database_id": database}, **case))
            expect(error.code == "validation_error" and str(error).startswith("body failed validation: body."),
                   "", case, str(error))


# ---------------------------------------------------------------------------- Google

def append(service, values, range_="Sheet1!A1", **kwargs):
    kwargs.setdefault("valueInputOption", "USER_ENTERED")
    return service.spreadsheets().values().append(spreadsheetId=ready["google"]["spreadsheet_id"], range=range_,
                                                  body={"values": values}, **kwargs).execute()


def google_checks():
    service = sheets_service()
    spreadsheet = ready["google"]["spreadsheet_id"]

    @check("google service account -> /token -> sheets values.append (googleapiclient)")
    def _():
        answer = append(service, [["run", 1, True], ["next", 2.5, "x"]], insertDataOption="INSERT_ROWS")
        updates = answer["updates"]
        expect(updates["updatedRange"] == "Sheet1!A1:C2" and updates["updatedRows"] == 2 and
               updates["updatedColumns"] == 3 and updates["updatedCells"] == 6 and "tableRange" not in answer, "", answer)
        answer = append(service, [["third", 3]], includeValuesInResponse=True)
        expect(answer["tableRange"] == "Sheet1!A1:C2" and answer["updates"]["updatedRange"] == "Sheet1!A3:B3", "", answer)
        expect(answer["updates"]["updatedData"]["values"] == [["third", 3]], "updatedData")
        rows = delivered()["sheets"][spreadsheet]["Sheet1"]
        expect(rows == [["run", 1, True], ["next", 2.5, "x"], ["third", 3]], "delivered rows", rows)
        tokens = [r for r in recorded("google_token") if r["outcome"] == "accepted"]
        expect(len(tokens) == 1 and "grant_type=urn%3Aietf" in tokens[0]["body"], "one token request", len(tokens))

    @check("google sheets range forms: quoted sheet, bare sheet, COLUMNS major dimension")
    def _():
        answer = append(service, [["a"], ["b"]], range_="'Sheet2'!B1")
        expect(answer["updates"]["updatedRange"] == "Sheet2!B1:B2", "", answer)
        answer = service.spreadsheets().values().append(
            spreadsheetId=spreadsheet, range="Sheet2", valueInputOption="RAW",
            body={"values": [["c1", "c2"], ["d1", "d2"]], "majorDimension": "COLUMNS", "range": "Sheet2"}).execute()
        expect(answer["updates"]["updatedRange"] == "Sheet2!A3:B4", "", answer)
        expect(delivered()["sheets"][spreadsheet]["Sheet2"][2:] == [["c1", "d1"], ["c2", "d2"]], "transposed")

    @check("google sheets spreadsheets.get metadata")
    def _():
        meta = service.spreadsheets().get(spreadsheetId=spreadsheet).execute()
        expect([s["properties"]["title"] for s in meta["sheets"]] == ["Sheet1", "Sheet2"], "", meta)

    @check("google AuthorizedSession (requests transport) append with %21-encoded range")
    def _():
        session = AuthorizedSession(google_credentials(), auth_request=google_auth_request())
        session.verify = ready["ca_file"]
        answer = session.post(url(f"/v4/spreadsheets/{spreadsheet}/values/Sheet1%21A1:append"),
                              params={"valueInputOption": "RAW"}, json={"values": [["session"]]})
        expect(answer.status_code == 200 and answer.json()["updates"]["updatedRange"] == "Sheet1!A4:A4", "", answer.text)


def google_negative_checks():
    service = sheets_service()
    spreadsheet = ready["google"]["spreadsheet_id"]

    @check("google bad JWT signature -> RefreshError invalid_grant 'Invalid JWT Signature.'")
    def _():
        with open(ready["google"]["service_account_file"]) as file:
            info = json.load(file)
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        info["private_key"] = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()).decode()
        credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
        error = raises(RefreshError, lambda: credentials.refresh(google_auth_request()))
        expect("invalid_grant" in str(error) and "Invalid JWT Signature." in str(error), "", str(error))
        answer = token_request(signed_assertion()[:-4] + "AAAA")
        expect(answer.status_code == 400 and answer.json() == {"error": "invalid_grant",
                                                               "error_description": "Invalid JWT Signature."}, "", answer.text)

    @check("google expired / too long / wrong aud / no scope JWT -> 400")
    def _():
        now = int(time.time())
        cases = [({"iat": now - 7200, "exp": now - 3600}, "invalid_grant"),
                 ({"exp": now + 7200}, "invalid_grant"),
                 ({"aud": "https://example.com/token"}, "invalid_grant"),
                 ({"iss": "someone@else.iam.gserviceaccount.com"}, "invalid_grant"),
                 ({"scope": ""}, "invalid_scope")]
        for claims, error in cases:
            answer = token_request(signed_assertion(**claims))
            expect(answer.status_code == 400 and answer.json()["error"] == error, "", claims, answer.text)
        answer = raw("POST", "/token", data={"grant_type": "client_credentials"})
        expect(answer.json()["error"] == "unsupported_grant_type", "grant_type", answer.text)
        answer = token_request(signed_assertion(aud=url("/token")))
        expect(answer.status_code == 200 and answer.json()["access_token"].startswith("ya29."), "own aud", answer.text)

    @check("google missing valueInputOption -> HttpError 400 INVALID_ARGUMENT")
    def _():
        error = raises(HttpError, lambda: service.spreadsheets().values().append(
            spreadsheetId=spreadsheet, range="Sheet1!A1", body={"values": [["x"]]}).execute())
        body = json.loads(error.content)
        expect(error.resp.status == 400 and body["error"]["status"] == "INVALID_ARGUMENT", "", body)
        expect(body["error"]["message"] == "'valueInputOption' is required but not specified", "", body)

    @check("google bad enum, unknown sheet, bad values, unknown spreadsheet -> HttpError")
    def _():
        error = raises(HttpError, lambda: append(service, [["x"]], range_="Nope!A1"))
        expect(error.resp.status == 400 and b"Unable to parse range: Nope!A1" in error.content, "", error.content)
        # googleapiclient refuses bad enum values itself, so those go out raw.
        token = token_request(signed_assertion()).json()["access_token"]
        for query in ("valueInputOption=PRETTY", "valueInputOption=RAW&insertDataOption=APPEND",
                      "valueInputOption=RAW&nonsense=1"):
            answer = raw("POST", f"/v4/spreadsheets/{spreadsheet}/values/Sheet1!A1:append?{query}",
                         json={"values": [["x"]]}, headers={"Authorization": "Bearer " + token})
            expect(answer.status_code == 400 and answer.json()["error"]["status"] == "INVALID_ARGUMENT", "", query, answer.text)
        error = raises(HttpError, lambda: append(service, [[{"nested": 1}]]))
        expect(error.resp.status == 400, "struct cell", error.content)
        error = raises(HttpError, lambda: append(service, ["not a row"]))
        expect(error.resp.status == 400, "row", error.content)
        error = raises(HttpError, lambda: service.spreadsheets().values().append(
            spreadsheetId="1NoSuchSpreadsheet", range="Sheet1", valueInputOption="RAW", body={"values": [["x"]]}).execute())
        expect(error.resp.status == 404 and json.loads(error.content)["error"]["status"] == "NOT_FOUND", "", error.content)

    @check("google no/unknown/expired bearer -> 401 UNAUTHENTICATED; sdk refreshes after 401")
    def _():
        path = f"/v4/spreadsheets/{spreadsheet}/values/Sheet1!A1:append?valueInputOption=RAW"
        for headers in ({}, {"Authorization": "Bearer ya29.made-up"}):
            answer = raw("POST", path, json={"values": [["x"]]}, headers=headers)
            expect(answer.status_code == 401 and answer.json()["error"]["status"] == "UNAUTHENTICATED", "", answer.text)
        token = token_request(signed_assertion()).json()["access_token"]
        expect(raw("POST", path, json={"values": [["ok"]]}, headers={"Authorization": "Bearer " + token}).ok, "fresh")
        raw("POST", "/_tokens/expire")
        answer = raw("POST", path, json={"values": [["x"]]}, headers={"Authorization": "Bearer " + token})
        expect(answer.status_code == 401, "expired", answer.text)
        tokens_before = len(recorded("google_token"))
        append(service, [["after refresh"]])  # the cached token is now refused; AuthorizedHttp refreshes once
        expect(len(recorded("google_token")) == tokens_before + 1, "one refresh")

    @check("google token without a Sheets scope -> 403 insufficient scopes")
    def _():
        token = token_request(signed_assertion(scope="https://www.googleapis.com/auth/drive.readonly")).json()
        path = f"/v4/spreadsheets/{spreadsheet}/values/Sheet1!A1:append?valueInputOption=RAW"
        answer = raw("POST", path, json={"values": [["x"]]}, headers={"Authorization": "Bearer " + token["access_token"]})
        expect(answer.status_code == 403 and answer.json()["error"]["status"] == "PERMISSION_DENIED", "", answer.text)


# ---------------------------------------------------------------------------- faults and recording

def fault_checks():
    @check("fault slack 429 Retry-After 1: SlackApiError ratelimited, then success")
    def _():
        fault(service="slack", status=429, retry_after=1, times=1)
        error = raises(SlackApiError, lambda: slack_client().chat_postMessage(channel="#a", text="limited"))
        expect(error.response.status_code == 429 and error.response["error"] == "ratelimited", "", error.response.data)
        expect(error.response.headers.get("Retry-After") == "1", "header", error.response.headers)
        expect(slack_client().chat_postMessage(channel="#a", text="after the limit")["ok"], "next succeeds")

    @check("fault slack 429: slack_sdk RateLimitErrorRetryHandler waits Retry-After and succeeds")
    def _():
        fault(service="slack", status=429, retry_after=1)
        client = slack_client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
        start = time.monotonic()
        expect(client.chat_postMessage(channel="#a", text="retried")["ok"], "ok")
        expect(time.monotonic() - start >= 1, "waited")
        last = recorded("slack")[-2:]
        expect([r["outcome"] for r in last] == ["fault", "accepted"] and last[1]["time"] - last[0]["time"] >= 1, "", last)

    @check("fault notion 429: notion-client retries after Retry-After and succeeds")
    def _():
        fault(service="notion", status=429, retry_after=1)
        start = time.monotonic()
        expect(notion().users.me()["type"] == "bot", "ok")
        expect(time.monotonic() - start >= 1, "waited")
        last = recorded("notion")[-2:]
        expect([r["status"] for r in last] == [429, 200], "", last)

    @check("fault twilio 429 -> TwilioRestException code 20429, then success")
    def _():
        fault(service="twilio", status=429, retry_after=1)
        client = twilio_client()
        error = raises(TwilioRestException, lambda: client.messages.create(to="+15551230001", from_="+15550100001", body="x"))
        expect(error.status == 429 and error.code == 20429, "", error.status, error.code)
        expect(client.messages.create(to="+15551230001", from_="+15550100001", body="x").status == "queued")

    @check("fault sheets 429 -> HttpError RESOURCE_EXHAUSTED, then success")
    def _():
        fault(service="sheets", status=429, retry_after=1)
        service = sheets_service()
        error = raises(HttpError, lambda: append(service, [["limited"]]))
        expect(error.resp.status == 429 and json.loads(error.content)["error"]["status"] == "RESOURCE_EXHAUSTED", "",
               error.content)
        expect(error.resp.get("retry-after") == "1", "header", error.resp)
        expect(append(service, [["after limit"]])["updates"]["updatedRows"] == 1, "next succeeds")

    @check("fault 503 x2 for notion GET: sdk retries both and succeeds")
    def _():
        fault(service="notion", status=503, retry_after=0, times=2)
        expect(notion().users.me()["object"] == "user", "ok")
        expect([r["status"] for r in recorded("notion")[-3:]] == [503, 503, 200], "", recorded("notion")[-3:])

    @check("fault delay: a client timeout fires, the effect still happens; a patient client gets the answer")
    def _():
        before = len(delivered()["slack_messages"])
        fault(service="slack", delay=1.2)
        headers = {"Authorization": "Bearer " + ready["slack"]["bot_token"]}
        timed_out = raises(requests.exceptions.ReadTimeout, lambda: raw(
            "POST", "/api/chat.postMessage", json={"channel": "#a", "text": "slow"}, headers=headers, timeout=0.4))
        expect(timed_out is not None)
        time.sleep(1.0)
        expect(len(delivered()["slack_messages"]) == before + 1, "delivered late")
        fault(service="slack", delay=0.6)
        start = time.monotonic()
        expect(slack_client().chat_postMessage(channel="#a", text="patient")["ok"], "ok")
        expect(time.monotonic() - start >= 0.6, "delayed")

    @check("faults: DELETE clears, bad spec -> 400")
    def _():
        fault(service="twilio", status=500, times=5)
        expect(raw("DELETE", "/_faults").ok)
        expect(twilio_client().api.v2010.accounts(ready["twilio"]["account_sid"]).fetch().status == "active")
        expect(raw("POST", "/_faults", json={"service": "nope", "status": 429}).status_code == 400, "service")
        expect(raw("POST", "/_faults", json={"service": "slack"}).status_code == 400, "nothing to do")


def recording_checks():
    @check("recording: every service, outcomes, lowercased headers, raw bodies")
    def _():
        log = recorded()
        expect({r["service"] for r in log} >= {"slack", "slack_webhook", "twilio", "notion", "google_token", "sheets"},
               "services", {r["service"] for r in log})
        expect({r["outcome"] for r in log} == {"accepted", "rejected", "fault"}, "outcomes")
        sdk_post = next(r for r in log if r["path"] == "/api/chat.postMessage" and r["outcome"] == "accepted")
        expect(sdk_post["headers"]["content-type"] == "application/json;charset=utf-8", "", sdk_post["headers"])
        expect(json.loads(sdk_post["body"])["channel"] == "#alerts", "body")
        rejected = next(r for r in log if r["outcome"] == "rejected" and r["service"] == "twilio")
        expect(rejected["status"] == 401 and rejected["error"].startswith("20003"), "", rejected)
        append_log = next(r for r in log if r["service"] == "sheets" and r["status"] == 200)
        expect(append_log["query"]["valueInputOption"] == "USER_ENTERED" and append_log["query"]["alt"] == "json", "",
               append_log["query"])

    @check("HTTP/1.1 keep-alive: two requests on one TLS connection, Content-Length on each")
    def _():
        conn = http.client.HTTPSConnection("127.0.0.1", ready["port"], context=ssl_context(), timeout=5)
        for _ in range(2):
            conn.request("POST", "/api/auth.test", headers={"Authorization": "Bearer " + ready["slack"]["bot_token"]})
            response = conn.getresponse()
            expect(response.version == 11 and response.getheader("Content-Length"), "headers")
            expect(json.loads(response.read())["ok"], "body")
        conn.close()

    @check("certificate for localhost too; plain verification (no CA) fails")
    def _():
        expect(requests.get(f"https://localhost:{ready['port']}/healthz", verify=ready["ca_file"], timeout=5).ok)
        raises(requests.exceptions.SSLError, lambda: requests.get(url("/healthz"), timeout=5))

    @check("reset clears records and deliveries")
    def _():
        expect(raw("POST", "/_reset").ok)
        expect(recorded() == [] and delivered()["slack_messages"] == [] and delivered()["sheets"] == {}, "cleared")


def main():
    global ready
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # they would override the explicit verify= paths
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="saas-standin-") as state_dir:
        proc, ready = start_server(state_dir)
        try:
            for section in (slack_checks, slack_negative_checks, twilio_checks, twilio_negative_checks, notion_checks,
                            notion_negative_checks, google_checks, google_negative_checks, fault_checks,
                            recording_checks):
                section()
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if failed:
                with open(os.path.join(state_dir, "server.log")) as log:
                    print(log.read()[-3000:], end="")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
