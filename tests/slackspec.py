"""Pure checkers for the Slack Web API calls and Block Kit payloads Headway sends.

Two sources of truth:

* Slack's published OpenAPI spec (``../shared/data/slack_web_openapi_v2.json``), frozen since
  2020. It tells us which methods exist and which parameters they take. Its known gaps and
  everything Slack added since are patched below in small, commented tables; anything not in
  the spec or those tables is reported, never silently accepted.
* Block Kit limits from DESIGN.md ("Slack facts that shape the code"), which Slack enforces by
  rejecting the whole message (``invalid_blocks``) — a digest that is one block too long is
  simply never posted.

Every checker returns a list of human-readable problems; an empty list means "looks right".
They are used by ``tests/fakeslack.py`` on every received call and directly by unit tests.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# The data folder lives beside the repository, not in it (see ../shared/data/README.md);
# HEADWAY_SHARED_DIR names another place (and lets the suite test its own "missing" path).
SHARED_DIR = Path(
    os.environ.get("HEADWAY_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
DEFAULT_SPEC_PATH = SHARED_DIR / "data/slack_web_openapi_v2.json"

JSON_FORM = "json"
FORM = "form"


@dataclass(frozen=True)
class MethodSpec:
    """What we need to know about one Web API method."""

    name: str
    params: frozenset[str]
    required: frozenset[str]
    consumes_json: bool  # False: Slack ignores a JSON body for this method


@dataclass(frozen=True)
class Spec:
    """An index of the OpenAPI document, by method name (``chat.postMessage``)."""

    path: Path
    methods: Mapping[str, MethodSpec]


# --- Patches to the 2020 spec ------------------------------------------------------------------

# Parameters Slack added after the spec froze that slack_sdk legitimately sends. Only list what
# Headway has a reason to send; a parameter missing here is reported, which is the point.
NEWER_THAN_SPEC: dict[str, dict[str, str]] = {
    "chat.postMessage": {
        "metadata": "message metadata (2022); nudges carry their ledger key in it",
    },
    "chat.update": {
        "metadata": "message metadata (2022); the digest keeps its period in it",
        "reply_broadcast": "added to chat.update after 2020",
    },
    "conversations.history": {
        "include_all_metadata": "return message metadata (2022); replies find their nudge by it",
    },
    "conversations.replies": {
        "include_all_metadata": "as conversations.history",
    },
    "oauth.v2.access": {
        "grant_type": "token rotation (2021): grant_type=refresh_token",
        "refresh_token": "token rotation (2021): the refresh token being exchanged",
    },
}

# Whole methods newer than the spec: a hand-written parameter list (name -> required).
NEWER_METHODS: dict[str, dict[str, bool]] = {
    # Socket Mode (2021): a websocket URL for the app-level token in the Authorization header.
    "apps.connections.open": {},
    # files_upload_v2 step 1 (2023): ask for an upload URL.
    "files.getUploadURLExternal": {
        "filename": True,
        "length": True,
        "alt_txt": False,
        "snippet_type": False,
    },
    # files_upload_v2 step 3 (2023): share the uploaded files.
    "files.completeUploadExternal": {
        "files": True,
        "channel_id": False,
        "channels": False,
        "initial_comment": False,
        "thread_ts": False,
        "blocks": False,
    },
}

# Parameters the spec forgot to mark as required but Slack rejects the call without.
EXTRA_REQUIRED: dict[str, frozenset[str]] = {
    "users.info": frozenset({"user"}),  # spec gap: "user" not marked required
}

# Methods in the spec that Slack has since switched off; calling them fails in production.
RETIRED: dict[str, str] = {
    "files.upload": "retired by Slack in 2025; use files_upload_v2",
}

# The spec lists "token" as a (sometimes required) parameter; slack_sdk sends it as an
# Authorization header, and the fake takes it out of the arguments before checking.
# Bolt builds each listener's client as WebClient(team_id=context.team_id), and slack_sdk
# adds a client's team_id to every call (Slack reads it for org-wide apps, ignores it
# otherwise); it is the SDK's, not a parameter Headway chose.
IGNORED_PARAMS = frozenset({"token", "team_id"})


def load_spec(path: Path | str | None = None) -> Spec | None:
    """Load and index Slack's Web API spec; None when the file is absent (a user's machine)."""
    return _load_spec(Path(path) if path is not None else DEFAULT_SPEC_PATH)


@lru_cache(maxsize=4)
def _load_spec(path: Path) -> Spec | None:
    # Cached: every FakeSlack instance wants it, and parsing the 1 MB document costs ~30 ms.
    if not path.is_file():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for url_path, operations in doc["paths"].items():
        name = url_path.lstrip("/")
        params: set[str] = set()
        required: set[str] = set()
        consumes: set[str] = set()
        # The spec lists views.* as GET and other methods as POST; the verb says nothing
        # about where parameters may travel (slack_sdk POSTs everything), so merge them.
        for operation in operations.values():
            consumes.update(operation.get("consumes", []))
            for param in operation.get("parameters", []):
                params.add(param["name"])
                if param.get("required"):
                    required.add(param["name"])
        methods[name] = MethodSpec(
            name=name,
            params=frozenset(params - IGNORED_PARAMS),
            required=frozenset((required - IGNORED_PARAMS) | EXTRA_REQUIRED.get(name, set())),
            consumes_json="application/json" in consumes,
        )
    for name, table in NEWER_METHODS.items():
        methods.setdefault(
            name,
            MethodSpec(
                name=name,
                params=frozenset(table),
                required=frozenset(p for p, req in table.items() if req),
                consumes_json=True,
            ),
        )
    return Spec(path=path, methods=methods)


def spec_missing_message(path: Path | str | None = None) -> str:
    """The skip reason callers show when load_spec returned None."""
    return f"Slack's Web API spec not found at {path or DEFAULT_SPEC_PATH}"


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _truthy(value: Any) -> bool:
    # slack_sdk turns booleans into "1"/"0" in form bodies; JSON bodies keep true/false.
    return value not in (None, False, 0, "", "0", "false", "False")


def check_call(
    spec: Spec, method: str, args: Mapping[str, Any], *, encoding: str | None = None
) -> list[str]:
    """Problems with calling ``method`` with ``args`` (token already removed).

    ``encoding`` is ``"json"`` or ``"form"`` when known: Slack ignores JSON bodies sent to
    methods that only take form data, which looks like "missing argument" in production.
    """
    if method in RETIRED:
        return [f"{method}: method is retired ({RETIRED[method]})"]
    method_spec = spec.methods.get(method)
    if method_spec is None:
        return [f"{method}: no such Web API method"]

    problems: list[str] = []
    allowed = method_spec.params | set(NEWER_THAN_SPEC.get(method, {}))
    for name in sorted(set(args) - allowed - IGNORED_PARAMS):
        problems.append(f"{method}: unknown argument {name!r}")

    required = set(method_spec.required)
    if method == "oauth.v2.access" and args.get("grant_type") == "refresh_token":
        # Token rotation exchanges a refresh token instead of a code.
        required = (required - {"code"}) | {"refresh_token"}
    for name in sorted(required):
        if _is_missing(args.get(name)):
            problems.append(f"{method}: missing required argument {name!r}")

    if encoding == JSON_FORM and not method_spec.consumes_json:
        problems.append(f"{method}: takes form data only; a JSON body is ignored by Slack")

    # DESIGN.md: never link_names / parse=full — either turns user text like "@here" into pings.
    if method.startswith("chat."):
        if _truthy(args.get("link_names")):
            problems.append(f"{method}: link_names must not be used (turns user text into pings)")
        if args.get("parse") == "full":
            problems.append(f"{method}: parse=full must not be used (turns user text into pings)")
    return problems


# --- Block Kit ---------------------------------------------------------------------------------

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_MESSAGE_TEXT = 40_000
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_VIEW_TITLE = 24  # also submit and close
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = {"overflow": 5, "radio_buttons": 10, "checkboxes": 10}  # selects: 100
MAX_SELECT_OPTIONS = 100

# Block types Slack accepts. An unknown type (a typo like "headr") is rejected by Slack.
KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
OPTION_ELEMENTS = frozenset(
    {"static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"}
)


def _text_problems(
    obj: Any, where: str, *, limit: int | None, plain_only: bool = False
) -> list[str]:
    """Problems with one text object ({"type": "plain_text"|"mrkdwn", "text": ...})."""
    if not isinstance(obj, dict):
        return [f"{where}: text object must be an object, got {type(obj).__name__}"]
    kind = obj.get("type")
    if kind not in TEXT_TYPES:
        return [f"{where}: text type must be plain_text or mrkdwn, got {kind!r}"]
    problems: list[str] = []
    if plain_only and kind != "plain_text":
        problems.append(f"{where}: must be plain_text, got {kind}")
    text = obj.get("text")
    if not isinstance(text, str) or text == "":
        problems.append(f"{where}: text must be a non-empty string")
    elif limit is not None and len(text) > limit:
        problems.append(f"{where}: {len(text)} chars > {limit}")
    # Slack rejects "emoji" on mrkdwn and "verbatim" on plain_text.
    if kind == "mrkdwn" and "emoji" in obj:
        problems.append(f"{where}: 'emoji' is only valid on plain_text")
    if kind == "plain_text" and "verbatim" in obj:
        problems.append(f"{where}: 'verbatim' is only valid on mrkdwn")
    return problems


def _max_len(value: Any, limit: int, where: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{where}: {len(value)} chars > {limit}"]
    return []


def _counted(items: Any, most: int, where: str, name: str) -> tuple[list[str], list[Any]]:
    """(no problem, the entries) when ``items`` is a list of 1 to ``most`` entries; else
    (the problem, saying how many, and no entries to check further)."""
    if isinstance(items, list) and 1 <= len(items) <= most:
        return [], items
    count = len(items) if isinstance(items, list) else "?"
    return [f"{where}.{name}: {count} {name}, want 1..{most}"], []


def _element_problems(element: Any, where: str) -> list[str]:
    """Interactive elements (buttons, selects, ...) and the images context blocks hold."""
    if not isinstance(element, dict):
        return [f"{where}: element must be an object"]
    kind = element.get("type")
    problems: list[str] = []
    problems += _max_len(element.get("action_id"), MAX_ACTION_ID, f"{where}.action_id")
    if kind == "button":
        problems += _text_problems(
            element.get("text"), f"{where}.text", limit=MAX_BUTTON_TEXT, plain_only=True
        )
        problems += _max_len(element.get("value"), MAX_BUTTON_VALUE, f"{where}.value")
        problems += _max_len(element.get("url"), MAX_URL, f"{where}.url")
    if "placeholder" in element:
        problems += _text_problems(
            element["placeholder"], f"{where}.placeholder", limit=MAX_PLACEHOLDER, plain_only=True
        )
    if kind in OPTION_ELEMENTS and "options" in element:
        options = element["options"]
        limit = MAX_OPTIONS.get(kind, MAX_SELECT_OPTIONS)
        bad, options = _counted(options, limit, where, "options")
        problems += bad
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                problems.append(f"{where}.options[{i}]: option must be an object")
                continue
            problems += _text_problems(
                option.get("text"), f"{where}.options[{i}].text", limit=MAX_OPTION_TEXT
            )
            problems += _max_len(
                option.get("value"), MAX_OPTION_VALUE, f"{where}.options[{i}].value"
            )
    return problems


def _block_problems(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: block must be an object"]
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        return [f"{where}: unknown block type {kind!r}"]
    problems = _max_len(block.get("block_id"), MAX_BLOCK_ID, f"{where}.block_id")

    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: section needs text or fields")
        if "text" in block:
            problems += _text_problems(block["text"], f"{where}.text", limit=MAX_SECTION_TEXT)
        if "fields" in block:
            bad, fields = _counted(block["fields"], MAX_FIELDS, where, "fields")
            problems += bad
            for i, field in enumerate(fields):
                problems += _text_problems(field, f"{where}.fields[{i}]", limit=MAX_FIELD_TEXT)
        if "accessory" in block:
            problems += _element_problems(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        problems += _text_problems(
            block.get("text"), f"{where}.text", limit=MAX_HEADER_TEXT, plain_only=True
        )
    elif kind == "context":
        bad, elements = _counted(block.get("elements"), MAX_CONTEXT_ELEMENTS, where, "elements")
        problems += bad
        for i, element in enumerate(elements):
            if not (isinstance(element, dict) and element.get("type") == "image"):
                problems += _text_problems(element, f"{where}.elements[{i}]", limit=None)
    elif kind == "actions":
        bad, elements = _counted(block.get("elements"), MAX_ACTIONS_ELEMENTS, where, "elements")
        problems += bad
        for i, element in enumerate(elements):
            problems += _element_problems(element, f"{where}.elements[{i}]")
    elif kind == "input":
        problems += _text_problems(
            block.get("label"), f"{where}.label", limit=MAX_INPUT_LABEL, plain_only=True
        )
        if "hint" in block:
            problems += _text_problems(
                block["hint"], f"{where}.hint", limit=MAX_INPUT_LABEL, plain_only=True
            )
        if not isinstance(block.get("element"), dict):
            problems.append(f"{where}: input needs an element")
        else:
            problems += _element_problems(block["element"], f"{where}.element")
    return problems


def check_blocks(blocks: Any, surface: str = "message") -> list[str]:
    """Block Kit problems Slack would reject ``blocks`` for on ``surface`` (message|modal|home)."""
    if surface not in MAX_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}")
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    problems: list[str] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        problems.append(f"blocks: {len(blocks)} blocks > {limit} per {surface}")
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        problems += _block_problems(block, f"blocks[{i}]")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen_ids:
                problems.append(f"blocks[{i}].block_id: duplicate {block_id!r}")
            seen_ids.add(block_id)
    return problems


def check_message(args: Mapping[str, Any]) -> list[str]:
    """Problems with the content of a chat.postMessage/postEphemeral/update call."""
    problems: list[str] = []
    text = args.get("text")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        problems.append(f"text: {len(text)} chars > {MAX_MESSAGE_TEXT}")
    if "blocks" in args:
        problems += check_blocks(args["blocks"], "message")
    metadata = args.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        problems.append("metadata: needs event_type (string) and event_payload (object)")
    return problems


def check_view(view: Any) -> list[str]:
    """Problems with a modal or Home tab view object (views.open/push/update/publish)."""
    if not isinstance(view, dict):
        return [f"view must be an object, got {type(view).__name__}"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"view.type must be modal or home, got {kind!r}"]
    problems = [f"view.{p}" for p in check_blocks(view.get("blocks", []), kind)]
    if kind == "modal":
        problems += _text_problems(
            view.get("title"), "view.title", limit=MAX_VIEW_TITLE, plain_only=True
        )
        for button in ("submit", "close"):
            if button in view:
                problems += _text_problems(
                    view[button], f"view.{button}", limit=MAX_VIEW_TITLE, plain_only=True
                )
        blocks = view.get("blocks") or []
        if "submit" not in view and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        ):
            problems.append("view: a modal with input blocks needs a submit button")
    problems += _max_len(
        view.get("private_metadata"), MAX_PRIVATE_METADATA, "view.private_metadata"
    )
    problems += _max_len(view.get("callback_id"), MAX_CALLBACK_ID, "view.callback_id")
    return problems


MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def check_payload(method: str, args: Mapping[str, Any]) -> list[str]:
    """Block Kit / content problems for whatever ``method`` carries (messages and views)."""
    if method in MESSAGE_METHODS:
        return check_message(args)
    if method in VIEW_METHODS:
        return check_view(args.get("view"))
    return []


# Slack's special mentions that notify many people. Headway never sends them on purpose, so
# one in an outgoing payload means user text reached mrkdwn unescaped (DESIGN.md).
_BROADCAST = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^")


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, Mapping):
        for value in obj.values():
            yield from _strings(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _strings(value)


def find_unescaped_broadcasts(obj: Any) -> list[str]:
    """Every string inside ``obj`` (any JSON-like value) that contains a broadcast mention."""
    return [s for s in _strings(obj) if _BROADCAST.search(s)]
