"""Change a round-trip YAML document in place from plain values, keeping its comments and style.

The console hands plain dicts, lists and strings; these functions write them into the
ruamel CommentedMap that was loaded from the file, touching only the values that differ: so the
organisers' comments, key order, quoting and folding survive, and a new key goes where the
schema puts it. A changed list item loses its own line comment (a `# source:` note about the
old value would be wrong for the new one); every other comment stays where it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    ScalarString,
)

from campaign.errors import CampaignError

FOLD_WIDTH = 92  # where a folded text (`>-`) is broken into lines, as the files are written
_STRING_TAG = "tag:yaml.org,2002:str"
_YAML_11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}
_RESOLVER = VersionedResolver()


def to_plain(node: Any) -> Any:
    """A document node as plain dicts, lists and strings (dates as ISO strings)."""
    if isinstance(node, Mapping):
        return {str(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [to_plain(item) for item in node]
    if isinstance(node, dt.date):
        return node.isoformat()[:10]
    if isinstance(node, str):
        return str(node)
    return node


def normal(value: Any) -> Any:
    """A plain value for comparison: strings stripped, empty entries of mappings dropped."""
    value = to_plain(value)
    if isinstance(value, dict):
        items = {key: normal(item) for key, item in value.items()}
        return {key: item for key, item in items.items() if not is_empty(item)}
    if isinstance(value, list):
        return [normal(item) for item in value]
    if isinstance(value, str):
        return value.strip()
    return value


def is_empty(value: Any) -> bool:
    """Whether a value says nothing: None, "", [] or {}."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, Mapping | list | tuple) and not value)


def same(a: Any, b: Any) -> bool:
    """Whether two values (nodes or plain) mean the same, ignoring style and empty entries."""
    return normal(a) == normal(b)


def set_fields(
    node: CommentedMap,
    plain: Mapping[str, Any],
    order: Sequence[str],
    *,
    whole: bool = False,
    orders: Mapping[str, Sequence[str]] | None = None,
    flow: Collection[str] = (),
    model: Mapping[str, Any] | None = None,
) -> None:
    """Write `plain` into the mapping `node`: only keys that differ; new keys in `order`.

    With `whole`, keys of `node` missing from `plain` are removed. A nested mapping is always
    written whole, with its key order from `orders`; new lists named in `flow` are written
    [a, b]; a new key takes the quoting of the same key in `model` (e.g. another entry).
    """
    orders = orders or {}
    for key, value in plain.items():
        if order and key not in order:
            raise CampaignError(f"unknown field '{key}'; the fields are: {', '.join(order)}")
        like = model.get(key) if isinstance(model, Mapping) else None
        _set_field(node, key, value, order, orders, flow, like)
    if whole:
        for key in [key for key in node if key not in plain]:
            _delete_key(node, key)


def set_sequence(
    seq: CommentedSeq,
    values: Sequence[Any],
    *,
    item_order: Sequence[str] = (),
    orders: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Make the list `seq` hold `values`, changing items in place and keeping their comments."""
    for index, value in enumerate(values):
        if index >= len(seq):
            seq.append(new_node(value, like=seq[0] if seq else None))
        elif same(seq[index], value):
            continue
        elif isinstance(seq[index], CommentedMap) and isinstance(value, Mapping):
            set_fields(seq[index], value, item_order, whole=True, orders=orders)
        else:
            seq[index] = new_node(value, like=seq[index])
            _drop_line_comment(seq, index)
    while len(seq) > len(values):
        del seq[len(seq) - 1]


def new_node(value: Any, like: Any = None, *, flow: bool = False) -> Any:
    """A document node for a plain value, in the style of `like` (the value it replaces)."""
    if isinstance(value, Mapping):
        model = like if isinstance(like, Mapping) else {}
        node = CommentedMap((key, new_node(item, model.get(key))) for key, item in value.items())
        if set(value) == {"source"} or (isinstance(like, CommentedMap) and like.fa.flow_style()):
            node.fa.set_flow_style()  # {source: "as written"}, as the directory writes phones
        return node
    if isinstance(value, list | tuple):
        first = like[0] if isinstance(like, list) and like else None
        seq = CommentedSeq(new_node(item, like=first) for item in value)
        if flow or not value or (isinstance(like, CommentedSeq) and like.fa.flow_style()):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        return scalar(value, like)
    return value


def scalar(text: str, like: Any = None) -> Any:
    """A string node for `text` in the style of the value it replaces."""
    if isinstance(like, dt.date) and not isinstance(like, dt.datetime):
        try:
            return dt.date.fromisoformat(text)  # keeps an unquoted date unquoted
        except ValueError:
            return DoubleQuotedScalarString(text)
    if "\n" in text:
        return LiteralScalarString(text)  # keeps the line breaks exactly
    if isinstance(like, FoldedScalarString):
        return folded(text)
    if isinstance(like, ScalarString):
        return type(like)(text)
    if _needs_quotes(text):  # "NO" (Norway) stays a string, whatever the value it replaces
        return DoubleQuotedScalarString(text)
    return text


def folded(text: str) -> FoldedScalarString:
    """A `>-` folded text broken at spaces near FOLD_WIDTH, as written by hand."""
    node = FoldedScalarString(text)
    positions, start = [], 0
    while len(text) - start > FOLD_WIDTH:
        cut = text.rfind(" ", start, start + FOLD_WIDTH)
        while cut > start and (text[cut - 1] == " " or text[cut + 1 : cut + 2] == " "):
            cut = text.rfind(" ", start, cut)
        if cut <= start:
            break
        positions.append(cut)
        start = cut + 1
    node.fold_pos = positions
    return node


def insert(node: CommentedMap, key: str, value: Any, order: Sequence[str]) -> None:
    """Add `key` to `node` after the keys that come before it in `order`."""
    rank = order.index(key) if key in order else len(order)
    position = 0
    for index, existing in enumerate(node):
        if existing not in order or order.index(existing) < rank:
            position = index + 1
    if position == len(node) and len(node):
        last = list(node)[-1]
        node.insert(position, key, value)
        _move_trailing_comment(node, last, key)  # the blank line after an entry stays last
    else:
        node.insert(position, key, value)


# --- helpers ------------------------------------------------------------------------------------


def _set_field(
    node: CommentedMap,
    key: str,
    value: Any,
    order: Sequence[str],
    orders: Mapping[str, Sequence[str]],
    flow: Collection[str],
    like: Any,
) -> None:
    """Write one key of a mapping (see set_fields); `like` is the model's value for the key."""
    current = node.get(key)
    if key in node and same(current, value):
        return
    if key not in node and is_empty(value):
        return
    if isinstance(value, Mapping) and isinstance(current, CommentedMap):
        set_fields(current, value, orders.get(key, ()), whole=True, orders=orders, model=like)
    elif isinstance(value, list | tuple) and isinstance(current, CommentedSeq) and value:
        set_sequence(current, value, item_order=orders.get(key, ()), orders=orders)
    elif key in node:
        node[key] = _empty_like(current) if is_empty(value) else new_node(value, like=current)
    else:
        insert(node, key, new_node(value, like=like, flow=key in flow), order)


def _empty_like(current: Any) -> Any:
    """An empty value that keeps the key in place (deleting it could take comments with it)."""
    if isinstance(current, list):
        return new_node([])
    if isinstance(current, Mapping):
        return CommentedMap()
    if current is None or isinstance(current, bool | int | float):
        return current
    return DoubleQuotedScalarString("")


def _delete_key(node: CommentedMap, key: str) -> None:
    """Remove `key`; if it was last, its trailing comment (a blank line) moves up."""
    keys = list(node)
    if keys[-1] == key and len(keys) > 1:
        _move_trailing_comment(node, key, keys[-2])
    del node[key]


def _move_trailing_comment(node: CommentedMap, source: str, target: str) -> None:
    """Move the comment after the scalar value of `source` to the scalar value of `target`."""
    entry = node.ca.items.get(source)
    if not entry or len(entry) < 3 or entry[2] is None:
        return
    if isinstance(node.get(target), Mapping | list) or isinstance(node.get(source), Mapping | list):
        return
    token = entry[2]
    entry[2] = None
    node.ca.items.setdefault(target, [None, None, None, None])[2] = token


def _drop_line_comment(seq: CommentedSeq, index: int) -> None:
    """Drop the comment on the line of a list item whose value changed; keep blank lines after."""
    entry = seq.ca.items.get(index)
    token = entry[0] if entry else None
    if token is None or not token.value.lstrip().startswith("#"):
        return
    rest = token.value.split("\n", 1)[1] if "\n" in token.value else ""
    if rest:
        token.value = "\n" + rest
    else:
        seq.ca.items.pop(index, None)


def _needs_quotes(text: str) -> bool:
    """Whether YAML would read `text` unquoted as something else (a number, a date, yes/no)."""
    tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
    return str(tag) != _STRING_TAG or text.lower() in _YAML_11_BOOLEANS
