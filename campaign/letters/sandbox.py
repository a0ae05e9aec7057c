"""The sandbox for letter templates, with limits on size and time, and static checks.

Organisers edit the letter bodies and call scripts in the browser, and an organiser account is
a target: a template must neither reach Python internals nor exhaust the server. On top of
Jinja's ImmutableSandboxedEnvironment (no private attributes, no mutation, range() capped):

- size: every value a template builds by `*`, `+`, `%`, a call, a filter or a namespace
  assignment, and the whole output, is at most MAX_TEXT characters or items, and numbers passed
  to functions and filters are at most MAX_NUMBER; so no single step can allocate much memory;
- time: `time_limit` stops a render that runs longer than its budget, from a trace function
  that checks the clock on every line of template code (a loop without output still runs lines);
  budgets nest (one render inside a check of many), and every render runs under one;
- statically: `refused_parts` finds `x.__class__`, `x["_y"]` and includes anywhere, even in a
  branch that the sample data never takes.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import FileSystemLoader, StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import EvalContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace

from campaign.errors import TemplateError

MAX_TEXT = 20_000  # characters (or items) in any value a letter template builds, and its output
MAX_NUMBER = 10_000  # the largest number a template may pass to a function or a filter
MAX_POWER_BITS = 256  # the largest result of ** in bits
PRINT_OUTPUT = 5_000_000  # characters of print.html's output: every letter of a request
TEMPLATE_FILE = "<template>"  # the file name Jinja gives the code of a compiled template
_WIDE_FORMAT = re.compile(
    r"%(\([^)]*\))?[-+ #0]*(\d{5,}|\*)|%(\([^)]*\))?[-+ #0]*\d*\.(\d{5,}|\*)"
    r"|\{[^{}]*:[^{}]*\d{5,}"
)
_NESTED_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\{")  # "{:{width}}": the width is an argument


class TooSlow(BaseException):  # not an Exception: nothing between here and the check catches it
    """A render ran past a time budget; `line` is the template line it had reached.

    `budget` is the one that ran out: limits nest (one render inside a check of many), and
    each `time_limit` handles only its own.
    """

    def __init__(self, line: int, budget: object = None):
        super().__init__(line)
        self.line, self.budget = line, budget


_deadlines = threading.local()  # this thread's running budgets, innermost last


class BoundedBuffer(list):
    """The list a `{% set %}` block, a macro or a call block collects its output in, bounded."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def append(self, item: Any) -> None:
        """Add one part, refused once the parts together pass MAX_TEXT."""
        self.size += _length(item)
        if self.size > MAX_TEXT:
            raise SecurityError(f"a block builds more than {MAX_TEXT:,} characters")
        super().append(item)

    def extend(self, items: Iterable[Any]) -> None:
        """Add parts one by one, each counted."""
        for item in items:
            self.append(item)


class BoundedCodeGenerator(CodeGenerator):
    """Jinja's compiler, but `a ~ b` and captured blocks measure their parts before joining."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.join_bounded({join}, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.bounded_buffer()")


class LetterSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with a size limit on every value a template builds."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = BoundedCodeGenerator
    bounded_buffer = BoundedBuffer

    def __init__(self, templates_dir: Path | str, *, autoescape: bool, max_output: int):
        super().__init__(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=autoescape,
            keep_trailing_newline=True,
        )
        self.max_output = max_output
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals["namespace"] = BoundedNamespace

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`left operator right`, refused before it could build something huge."""
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            check_format(left)
        return bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call from template code, with bounded arguments, refused before a huge result."""
        check_arguments(args, kwargs)
        if getattr(__obj, "__name__", "") == "join":  # measure what a generator would give first
            args = tuple(_listed(arg) for arg in args)
        check_method_result(__obj, args, kwargs)
        return bounded(super().call(__context, __obj, *args, **kwargs))

    @staticmethod
    def join_bounded(join: Callable[[Any], str], parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`, refused before joining when the parts are over MAX_TEXT together."""
        if sum(_length(part) for part in parts) > MAX_TEXT:
            raise SecurityError(f"joining these would build over {MAX_TEXT:,} characters")
        return join(parts)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format and str.format_map for template code, without huge widths."""
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            check_format(value.__self__)
        return wrapper

    def concat(self, parts: Iterable[str]) -> str:
        """The output of a render, refused as soon as it grows past `max_output`."""
        collected, size = [], 0
        for part in parts:
            size += len(part)
            if size > self.max_output:
                error = SecurityError(f"the text is longer than {self.max_output:,} characters")
                if hasattr(parts, "throw"):
                    parts.throw(error)  # raised inside the template, so it names the line
                raise error
            collected.append(part)
        return "".join(collected)


class BoundedNamespace(Namespace):
    """Jinja's namespace(), whose attributes obey the size limit too."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, bounded(value))


@functools.cache
def letter_environment(templates_dir: Path | str, *, autoescape: bool = False) -> LetterSandbox:
    """The one sandboxed environment: letter bodies and call scripts, or (autoescaped) print.html.

    print.html lays out many letters at once, so its output may be as long as PRINT_OUTPUT.
    """
    max_output = PRINT_OUTPUT if autoescape else MAX_TEXT
    return LetterSandbox(Path(templates_dir), autoescape=autoescape, max_output=max_output)


def bounded(value: Any) -> Any:
    """`value`, unless it is a text or collection over MAX_TEXT: then SecurityError."""
    if isinstance(value, str | bytes | list | tuple | dict | set) and len(value) > MAX_TEXT:
        raise SecurityError(f"a value longer than {MAX_TEXT:,} characters or items was built")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4096:
        raise SecurityError("a number far too large was built")
    if isinstance(value, float) and not math.isfinite(value):
        raise SecurityError("a number too large to print was built (it would print as inf)")
    return value


def check_arguments(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """Refuse numbers over MAX_NUMBER and values over MAX_TEXT passed to a function."""
    for name, value in [*enumerate(args), *kwargs.items()]:
        if str(name).startswith("_"):
            continue  # Jinja's own bookkeeping (_loop_vars, _block_vars)
        bounded(value)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and abs(value) > MAX_NUMBER:
            raise SecurityError(f"the number {value} is too large (at most {MAX_NUMBER:,})")


def check_format(text: str) -> None:
    """Refuse a format string with a huge field width or precision, or one given elsewhere."""
    if _WIDE_FORMAT.search(text):
        raise SecurityError("a format with a field width of 10,000 or more is not allowed")
    if _NESTED_FORMAT.search(text):
        raise SecurityError("a format whose width comes from an argument is not allowed")


def check_method_result(function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse str.replace, str.join and str.expandtabs calls whose result would be too long."""
    owner = getattr(function, "__self__", None)
    if isinstance(owner, str):
        _check_growth(getattr(function, "__name__", ""), owner, args, kwargs)


def _check_growth(name: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The size check of one string method that can build far more than it is given."""
    size = 0
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str):
        old, new = str(args[0]), str(args[1])
        count = text.count(old) + 1 if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        size = len(text) + count * max(0, len(new) - len(old))
    elif name == "join" and args:
        items = args[0] if isinstance(args[0], list | tuple | str) else ()
        size = sum(_length(item) for item in items) + len(text) * max(0, len(items) - 1)
    elif name == "expandtabs":
        width = args[0] if args and isinstance(args[0], int) else kwargs.get("tabsize", 8)
        size = len(text) + text.count("\t") * max(0, int(width))
    if size > MAX_TEXT:
        raise SecurityError(f"this would build over {MAX_TEXT:,} characters")


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[object]:
    """Raise TooSlow in this thread once template code has run for `seconds`; yield the budget.

    A trace function sees every call, and every line of compiled template code, including each
    turn of a loop; it checks the clock there, against this budget and every budget it runs
    inside, so an outer budget still ends an inner render (and TooSlow names which one ran
    out). The previous trace function (a debugger, coverage) is put back afterwards.
    """
    budget = object()
    stack = _deadlines.__dict__.setdefault("stack", [])
    running = [time.monotonic() + seconds, budget, False]  # deadline, owner, has fired
    stack.append(running)

    def expired() -> object | None:
        """The budget that just ran out; each fires once (not again while the stack unwinds)."""
        now = time.monotonic()
        for entry in stack:
            if now > entry[0] and not entry[2]:
                entry[2] = True
                return entry[1]
        return None

    def on_line(frame: Any, event: str, arg: Any) -> Callable | None:
        owner = expired()
        if owner is not None:
            raise TooSlow(frame.f_lineno, owner)
        return on_line

    def on_call(frame: Any, event: str, arg: Any) -> Callable | None:
        owner = expired()
        if owner is not None:
            raise TooSlow(_template_line(frame), owner)
        return on_line if frame.f_code.co_filename == TEMPLATE_FILE else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield budget
    finally:
        sys.settrace(previous)
        stack.pop()


@contextlib.contextmanager
def within(
    seconds: float, name: str, message: str | Callable[[float], str], template: Any = None
) -> Iterator[None]:
    """Run the block under a time budget of its own; past it, TemplateError `message` at the
    line of `template` it had reached (`message` may be made from the seconds it ran)."""
    start = time.monotonic()
    try:
        with time_limit(seconds) as budget:
            yield
    except TooSlow as slow:
        if slow.budget is not budget:
            raise  # an outer budget ran out: its owner says so
        line = template.get_corresponding_lineno(slow.line) if template and slow.line else 0
        text = message(time.monotonic() - start) if callable(message) else message
        raise TemplateError(where(name, line), text) from None


def where(name: str, line: int | None) -> str:
    """`name:line`; for a template kept inside campaign.yaml, `campaign.yaml: key, line n`."""
    if not line:
        return name
    return f"{name}, line {line}" if ": " in name else f"{name}:{line}"


def _template_line(frame: Any) -> int:
    """The line of compiled template code that `frame` runs for (0 outside any template)."""
    while frame is not None:
        if frame.f_code.co_filename == TEMPLATE_FILE:
            return frame.f_lineno
        frame = frame.f_back
    return 0


def refused_parts(template_ast: nodes.Template) -> list[tuple[int, str]]:
    """(line, what) of every part of a template letters may not use, found without running it.

    Private names (`x.__class__`, `x["_y"]`), even in a branch the sample data never takes; and
    `include`, `import`, `extends`: a letter is one file, and a file that includes another
    could read a version other than the one being checked, or include itself for ever.
    """
    found = [
        (line, f"'{name}' is not available to letters")
        for line, name in private_names(template_ast)
    ]
    for kind, word in (
        (nodes.Include, "include"),
        (nodes.Import, "import"),
        (nodes.FromImport, "from"),
        (nodes.Extends, "extends"),
    ):
        found += [
            (node.lineno, f"{{% {word} %}} is not available to letters; write the text here")
            for node in template_ast.find_all(kind)
        ]
    return sorted(found)


def private_names(template_ast: nodes.Template) -> list[tuple[int, str]]:
    """(line, name) of every attribute or key starting with "_" that the template reaches for."""
    found = [
        (node.lineno, node.attr)
        for node in template_ast.find_all(nodes.Getattr)
        if node.attr.startswith("_")
    ]
    found += [
        (node.lineno, node.arg.value)
        for node in template_ast.find_all(nodes.Getitem)
        if isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
        and node.arg.value.startswith("_")
    ]
    return sorted(found)


def _bounded_filter(function: Callable) -> Callable:
    """A filter with bounded arguments and result (its pass_context marks are kept)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_arguments(args, kwargs)
        if function is jinja2.filters.do_join:  # measure what a generator would give first
            args = tuple(_listed(arg) for arg in args)
        _check_filter(function, [arg for arg in args if not isinstance(arg, EvalContext)], kwargs)
        return bounded(function(*args, **kwargs))

    return wrapper


def _check_filter(function: Callable, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Refuse a filter call that would build far more than it is given, before it runs."""
    filters = jinja2.filters
    text = str(args[0]) if args and isinstance(args[0], str) else ""
    if function is filters.do_format and text:
        check_format(text)
    elif function is filters.do_replace and len(args) >= 3:
        _check_growth("replace", text, tuple(args[1:]), {})
    elif function is filters.do_join and args:
        items = list(args[0]) if isinstance(args[0], list | tuple) else []
        separator = str(args[1]) if len(args) > 1 else ""
        _check_growth("join", separator, (items,), {})
    elif function is filters.do_int and _int_base(args, kwargs) not in range(2, 37):
        raise SecurityError(f"int: the base must be 2 to 36, not {_int_base(args, kwargs)}")
    elif (
        function is filters.do_indent
        and len(args) >= 2
        and isinstance(args[1], int)
        and len(text) + (text.count("\n") + 1) * args[1] > MAX_TEXT
    ):
        raise SecurityError(f"indenting this would build over {MAX_TEXT:,} characters")


def _int_base(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The base of an `int` filter call, given by position or by keyword (10 when not)."""
    return args[2] if len(args) >= 3 else kwargs.get("base", 10)


def _listed(value: Any) -> Any:
    """An iterable that is no text or sequence as a bounded list; anything else as it is."""
    if isinstance(value, str | list | tuple | dict | EvalContext) or not hasattr(value, "__iter__"):
        return value
    return bounded(list(itertools.islice(value, MAX_TEXT + 1)))


def _length(value: Any) -> int:
    """The characters a value takes once it is text."""
    return len(value) if isinstance(value, str) else len(str(value))


def _check_repeat(sequence: Any, times: Any) -> None:
    """Refuse `sequence * times` when the result would be over MAX_TEXT."""
    repeat = isinstance(sequence, str | list | tuple) and isinstance(times, int)
    if repeat and len(sequence) * times > MAX_TEXT:
        raise SecurityError(f"repeating this would build over {MAX_TEXT:,} characters")


def _check_power(base: Any, exponent: Any) -> None:
    """Refuse `base ** exponent` when the result would be a huge number."""
    integers = isinstance(base, int) and isinstance(exponent, int) and exponent > 0
    if integers and abs(base).bit_length() * exponent > MAX_POWER_BITS:
        raise SecurityError("this power is too large")
