"""Read a YAML file with round-trip ruamel and check its values, each problem with its line.

recipients.yaml and campaign.yaml share this: a syntax error or a non-UTF-8 byte is reported
at its line, and a `Checker` reads typed values (text, lists, mappings, per-language texts,
dates) while it collects every problem, so that one run reports them all.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from campaign import limits
from campaign.errors import CampaignError, InvalidData, Problem
from campaign.models import LANGUAGES
from campaign.text import utf8

_SOURCE_COMMENT = re.compile(r'#\s*source:\s*"(.*)"')


def round_trip_yaml() -> YAML:
    """A round-trip YAML instance; settings that make load+save of a file byte-identical."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap long lines such as the asks
    return yaml


def dump_document(document: Any, what: str) -> bytes:
    """A round-trip document as the bytes of its YAML file."""
    buffer = io.BytesIO()
    try:
        round_trip_yaml().dump(document, buffer)
    except YAMLError as error:
        raise CampaignError(f"cannot write {what} as YAML: {error}") from None
    return buffer.getvalue()


def load_document(data: bytes | str, name: str) -> Any:
    """The round-trip document; InvalidData at the line of a non-UTF-8 byte or a syntax error."""
    if isinstance(data, bytes):
        data = utf8(data, name)
    _check_shape(data, name)
    try:
        return round_trip_yaml().load(data)
    except RecursionError:
        raise InvalidData([Problem(name, "is nested too deeply to be read")]) from None
    except YAMLError as error:
        raise InvalidData([_syntax_problem(error, name)]) from None
    except ValueError:  # ruamel builds unquoted dates itself and fails on 2013-05-32
        raise InvalidData([_impossible_date(data, name)]) from None


def _check_shape(text: str, name: str) -> None:
    """Refuse, at its line, YAML nested deeper than any campaign file needs (before parsing).

    One pass over the text, so a hostile file costs time linear in its size.
    """
    if len(text) > limits.FILE_BYTES:
        raise InvalidData([Problem(name, f"is longer than {limits.FILE_BYTES:,} characters")])
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > limits.YAML_LINE:  # ruamel reads a long comment in quadratic time
            raise InvalidData(
                [
                    Problem(
                        f"{name}:{number}",
                        f"is {len(line):,} characters long; break it into lines of at most "
                        f"{limits.YAML_LINE:,}",
                    )
                ]
            )
        indent = len(line) - len(line.lstrip(" "))
        if indent > limits.YAML_INDENT and line.strip() and not line.lstrip().startswith("#"):
            raise InvalidData(
                [Problem(f"{name}:{number}", f"is indented more than {limits.YAML_INDENT} spaces")]
            )
        if _flow_depth(line) > limits.YAML_FLOW_DEPTH:
            raise InvalidData([Problem(f"{name}:{number}", "has [ ] or { } nested too deeply")])


def _flow_depth(line: str) -> int:
    """The deepest nesting of [ ] and { } on a line, outside quotes and comments."""
    depth = deepest = 0
    quote = ""
    for char in line:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


_DATE_LIKE = re.compile(r":\s+(\d{4}-\d{2}-\d{2})\s*(#.*)?$")


def _impossible_date(text: str, name: str) -> Problem:
    """The first unquoted date that is no real day, as a Problem at its line."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _DATE_LIKE.search(line)
        if match:
            try:
                date.fromisoformat(match.group(1))
            except ValueError:
                return Problem(
                    f"{name}:{number}", f"{match.group(1)} is not a real date; write YYYY-MM-DD"
                )
    return Problem(name, "a value could not be read; look for a date that is not a real day")


def node_line(node: Any) -> int:
    """The 1-based line where a mapping or list starts, or 0."""
    line = getattr(getattr(node, "lc", None), "line", None)
    return line + 1 if isinstance(line, int) else 0


@dataclass
class Checker:
    """Collects problems; reads values with their line numbers from a round-trip document."""

    name: str
    lines: list[str] = field(default_factory=list)  # the file's text, only for fix hints
    problems: list[Problem] = field(default_factory=list)

    def report(self, line: int, path: str, message: str) -> None:
        """Record one problem at a 1-based line (0: line unknown)."""
        where = f"{self.name}:{line}" if line else self.name
        self.problems.append(Problem(where=where, message=message, field=path))

    def line(self, node: Any, key: Any) -> int:
        """The 1-based line of node[key], else of the node itself, else 0."""
        position = _position(node, key)
        return position[0] + 1 if position else node_line(node)

    def key_line(self, node: Any, key: Any) -> int:
        """The 1-based line of a mapping key."""
        with contextlib.suppress(AttributeError, KeyError, TypeError):
            position = node.lc.key(key)
            if position:
                return position[0] + 1
        return self.line(node, key)

    def raw(self, node: Any, key: Any) -> str:
        """The value as written in the file, for hints; the Python value when unknown."""
        position = _position(node, key)
        if position and position[0] < len(self.lines):
            written = self.lines[position[0]][position[1] :]
            return re.split(r"\s+#|[,\]}]", written, maxsplit=1)[0].strip()
        return str(node[key])

    def source_comment(self, node: Any, index: int) -> str:
        """The `# source: "..."` comment after a list item, if any."""
        position = _position(node, index)
        if position and position[0] < len(self.lines):
            match = _SOURCE_COMMENT.search(self.lines[position[0]][position[1] :])
            if match:
                return match.group(1)
        return ""

    def text(
        self,
        node: Any,
        key: Any,
        path: str,
        *,
        required: bool = False,
        multiline: bool = False,
        limit: int = 0,
    ) -> str:
        """The string at node[key], one line unless `multiline`, at most `limit` characters.

        "" after reporting a problem.
        """
        label = path.rsplit(".", 1)[-1]
        if isinstance(node, Mapping) and key not in node:
            if required:
                self.report(
                    node_line(node), path, f"missing required key '{key}'; add `{key}: ...`"
                )
            return ""
        value = node[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.report(self.line(node, key), path, f"{label} is empty; fill it in")
            return ""
        if not isinstance(value, str):
            self.report(self.line(node, key), path, _not_text(label, value, self.raw(node, key)))
            return ""
        value = value.strip()
        bad = _control_character(value, allowed="\n" if multiline else "")
        if bad is not None:
            fix = "without" if multiline else "on one line without line breaks or"
            self.report(
                self.line(node, key),
                path,
                f"{label} contains a control character (U+{ord(value[bad]):04X}) at position "
                f"{bad + 1}; write it {fix} control characters",
            )
            return ""
        if limit and len(value) > limit:
            self.report(
                self.line(node, key),
                path,
                f"{label} is {len(value):,} characters long; the limit is {limit:,}",
            )
            return ""
        return value

    def sequence(
        self, node: Any, key: str, path: str, *, required: bool = False, max_items: int = 0
    ) -> list:
        """The list at node[key] ([] when absent), or [] after reporting why there is none."""
        items = node.get(key)
        if items is None or items == []:
            if required:
                self.report(self.line(node, key), path, f"{key} is missing or empty; add a list")
            return []
        if not isinstance(items, list):
            self.report(self.line(node, key), path, f"{key} must be a list: one '- item' per line")
            return []
        if max_items and len(items) > max_items:
            self.report(
                self.line(node, key),
                path,
                f"{key} has {len(items)} items; the limit is {max_items}",
            )
            return []
        return items

    def texts(
        self,
        node: Any,
        key: str,
        path: str,
        *,
        required: bool = False,
        limit: int = 0,
        max_items: int = 0,
    ) -> list[str]:
        """A list of one-line strings at node[key]; each bad item is reported."""
        items = self.sequence(node, key, path, required=required, max_items=max_items)
        values = [
            self.text(items, i, f"{path}[{i}]", required=True, limit=limit)
            for i in range(len(items))
        ]
        return [value for value in values if value]

    def mappings(
        self, node: Any, key: str, path: str, *, what: str, first_key: str, max_items: int = 0
    ) -> list[tuple[int, Mapping]]:
        """The mapping items of the list at node[key], with their index; other items reported."""
        items = self.sequence(node, key, path, max_items=max_items)
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                self.report(
                    self.line(items, index),
                    f"{path}[{index}]",
                    f"each {what} must be a mapping starting with '- {first_key}: ...'",
                )
        return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]

    def mapping(
        self, node: Any, key: str, path: str, *, required: bool = True, hint: str = ""
    ) -> Mapping | None:
        """The mapping at node[key], or None after reporting why there is none."""
        value = node.get(key)
        if isinstance(value, Mapping):
            return value
        if key not in node:
            if required:
                self.report(node_line(node), path, f"missing required key '{key}'; add it{hint}")
        elif value is not None or required:
            self.report(
                self.line(node, key), path, f"{key} must be a mapping of 'name: value' lines{hint}"
            )
        return None

    def localized(
        self,
        node: Any,
        key: str,
        path: str,
        *,
        required: tuple[str, ...] = ("en",),
        multiline: bool = False,
        limit: int = 0,
    ) -> dict[str, str]:
        """A per-language mapping of texts, with the `required` languages present."""
        hint = f", with a text per language ({', '.join(LANGUAGES)})"
        texts = self.mapping(node, key, path, hint=hint)
        if texts is None:
            return {}
        self.unknown_keys(texts, LANGUAGES, path)
        found = {
            language: self.text(
                texts,
                language,
                f"{path}.{language}",
                required=True,
                multiline=multiline,
                limit=limit,
            )
            for language in LANGUAGES
            if language in texts or language in required
        }
        return {language: text for language, text in found.items() if text}

    def lists_per_language(
        self,
        node: Any,
        key: str,
        path: str,
        *,
        required: bool = True,
        limit: int = 0,
        max_items: int = 0,
    ) -> dict[str, tuple[str, ...]]:
        """A list of one-line texts per language at node[key], English's required when given.

        An empty mapping where `key` is optional means none (as the console writes "none").
        """
        texts = self.mapping(node, key, path, required=required, hint=", with a list per language")
        if texts is None or (not texts and not required):
            return {}
        self.unknown_keys(texts, LANGUAGES, path)
        found = {
            language: tuple(
                self.texts(
                    texts,
                    language,
                    f"{path}.{language}",
                    required=True,
                    limit=limit,
                    max_items=max_items,
                )
            )
            for language in LANGUAGES
            if language in texts or language == "en"
        }
        return {language: items for language, items in found.items() if items}

    def date(self, node: Any, key: str, path: str, *, required: bool = False) -> str:
        """An ISO date (YYYY-MM-DD) at node[key], a YAML date or a string; "" for none."""
        value = node.get(key)
        if isinstance(value, date):
            return value.isoformat()[:10]
        written = self.text(node, key, path, required=required)
        if not written:
            return ""
        try:
            return date.fromisoformat(written).isoformat()
        except ValueError:
            label = path.rsplit(".", 1)[-1]
            self.report(
                self.line(node, key),
                path,
                f'{label} "{written}" is not a date; write it as "YYYY-MM-DD"',
            )
            return ""

    def choice(self, node: Any, key: str, path: str, choices: tuple[str, ...], what: str) -> str:
        """One of `choices` at node[key], "" when absent or empty; a "did you mean" if not."""
        value = self.text(node, key, path)
        if not value or value in choices:
            return value
        close = difflib.get_close_matches(value.lower(), choices, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        self.report(
            self.line(node, key),
            path,
            f'"{value}" is not {what}{hint}; use one of {", ".join(choices)}',
        )
        return ""

    def unknown_keys(self, node: Mapping, allowed: tuple[str, ...], path: str) -> None:
        """Report keys that are not in `allowed`: most often typos."""
        for key in node:
            if key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            where = f"{path}.{key}" if path else str(key)
            self.report(
                self.key_line(node, key),
                where,
                f"unknown key '{key}'{hint}; allowed keys: {', '.join(allowed)}",
            )


def _syntax_problem(error: YAMLError, name: str) -> Problem:
    """A YAML syntax error as a Problem at its line."""
    if not isinstance(error, MarkedYAMLError):
        return Problem(name, f"YAML error: {error}")
    mark = error.problem_mark or error.context_mark
    where = f"{name}:{mark.line + 1}" if mark else name
    message = f"YAML syntax error: {error.problem}"
    if error.context and error.context_mark:
        message += f" ({error.context} on line {error.context_mark.line + 1})"
    return Problem(where, message + "; check the indentation and the quotes here")


def _position(node: Any, key: Any) -> tuple[int, int] | None:
    """The 0-based (line, column) of node[key] in the file, when ruamel recorded it."""
    with contextlib.suppress(AttributeError, KeyError, IndexError, TypeError):
        if isinstance(node, list):
            return node.lc.item(key)  # type: ignore[attr-defined]  # a ruamel CommentedSeq
        return node.lc.value(key)
    return None


def _not_text(label: str, value: Any, written: str) -> str:
    """The message for a value that YAML did not read as a string."""
    if isinstance(value, Mapping | list):
        kind = "a mapping" if isinstance(value, Mapping) else "a list"
        return f"{label} is {kind}, not a line of text; write a single value"
    if isinstance(value, bool):
        kind = "a yes/no value"
    elif isinstance(value, date):
        kind = "a date"
    elif isinstance(value, int | float):
        kind = "a number"
    else:
        kind = type(value).__name__
    return (
        f"{label} {value} is not a string (YAML read {written} as {kind}); "
        f'write it in quotes: "{written}"'
    )


def _control_character(value: str, allowed: str = "") -> int | None:
    """The index of the first control or line-separator character not in `allowed`, or None."""
    for index, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return index
    return None
