"""Reading scenario YAML into plain data plus a map from every key path to its file and line.

This module knows YAML, ``extends:`` (deep merge, cycles rejected, ``key+:`` appends to a base
list) and ``--set path=value`` overrides. It does not know what the keys mean: that is
``schema.py``'s job.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import KeyPath, Origin, ScenarioError, suggest

APPEND_SUFFIX = "+"


@dataclass
class Source:
    """Merged scenario data, and where each key path came from."""

    data: dict[str, Any]
    origins: dict[KeyPath, Origin] = field(default_factory=dict)
    file: str = "<scenario>"
    #: every dotted path set after reading (``--set``, a sweep's ``--vary``, a lever), with where it was
    #: given: a parameter a calibration table names may not be set this way unless
    #: ``override_posterior`` (``--override-posterior``) says so (sim/scenario/posterior.py)
    overridden: dict[str, Origin] = field(default_factory=dict)
    override_posterior: bool = False

    def origin(self, path: KeyPath) -> Origin:
        """The origin of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.origins:
                return self.origins[path]
            path = path[:-1]
        return self.origins.get((), Origin(self.file))

    def error(self, path: KeyPath, message: str) -> ScenarioError:
        return ScenarioError(message, self.origin(path), path)


#: YAML tags of keys that are not text (``true:``, ``1:``, ``~:``, ``2024-01-01:``): refused with their line
_KEY_KINDS = {"tag:yaml.org,2002:bool": "true or false", "tag:yaml.org,2002:int": "a whole number",
              "tag:yaml.org,2002:float": "a number", "tag:yaml.org,2002:null": "nothing (null)",
              "tag:yaml.org,2002:timestamp": "a date"}


def _walk(node: yaml.Node, value: Any, path: KeyPath, file: str, origins: dict) -> None:
    """Record the line of every key under ``node``; reject duplicate keys."""
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            here = Origin(file, key_node.start_mark.line + 1)
            kind = _KEY_KINDS.get(key_node.tag)
            if isinstance(key_node, yaml.ScalarNode) and kind is not None:
                raise ScenarioError(f"the key '{key}' is read by YAML as {kind}, not as a name: put it in quotes "
                                    f"('{key}') if it is a name", here, path + (key,))
            if key in seen:
                raise ScenarioError(f"duplicate key '{key}'", here, path + (key,))
            seen.add(key)
            origins[path + (key,)] = here
            if key in value:
                _walk(value_node, value[key], path + (key,), file, origins)
    elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        for i, (item_node, item) in enumerate(zip(node.value, value)):
            origins[path + (i,)] = Origin(file, item_node.start_mark.line + 1)
            _walk(item_node, item, path + (i,), file, origins)


#: Limits on what a scenario file may be: a scenario is a few kilobytes and a few hundred nodes, so
#: these are generous, and they keep a hostile file (an alias bomb, 5,000-deep nesting, a device
#: or a pipe, a gigabyte of text) from hanging or exhausting the machine before it is refused.
MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 40
MAX_OVERRIDE_BYTES = 10_000


class _NodeError(Exception):
    """A value YAML could not build (a bad timestamp, ``!!int abc``), with the node's line."""

    def __init__(self, mark, message: str):
        self.mark, self.message = mark, message


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader, turning every value it cannot build into an error with a line."""

    def construct_object(self, node, deep=False):
        try:
            value = super().construct_object(node, deep)
        except (_NodeError, yaml.YAMLError):
            raise
        except Exception as exc:  # noqa: BLE001 - ValueError, OverflowError, TypeError from a constructor
            tag = node.tag.rsplit(":", 1)[-1]
            raise _NodeError(node.start_mark, f"cannot read this value as {tag} ({exc.__class__.__name__})") from None
        if isinstance(value, str) and not _encodable(value):
            raise _NodeError(node.start_mark, "text with an unpaired surrogate character (\\ud800-\\udfff)")
        return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_size(root: yaml.Node, file: str) -> None:
    """Refuse more than MAX_NODES nodes (aliases expanded), deeper than MAX_DEPTH, or recursive aliases.

    Sizes are memoised per node, so an alias bomb (a few lines that expand to billions of nodes)
    is measured in microseconds instead of being expanded.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()

    def visit(node: yaml.Node, level: int) -> None:
        key = id(node)
        if key in size:
            return
        if key in active:
            raise ScenarioError("a YAML alias refers to itself (a recursive anchor)",
                                Origin(file, node.start_mark.line + 1))
        if level > MAX_DEPTH:
            raise ScenarioError(f"values nested more than {MAX_DEPTH} levels deep",
                                Origin(file, node.start_mark.line + 1))
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        active.add(key)
        total, deepest = 1, 0
        for child in children:
            visit(child, level + 1)
            total += size[id(child)]
            deepest = max(deepest, depth[id(child)])
            if total > MAX_NODES:
                raise ScenarioError(f"more than {MAX_NODES:,} values (YAML aliases expanded): "
                                    "too large for a scenario", Origin(file, node.start_mark.line + 1))
            if level + deepest > MAX_DEPTH:
                raise ScenarioError(f"values nested more than {MAX_DEPTH} levels deep",
                                    Origin(file, child.start_mark.line + 1))
        active.discard(key)
        size[key], depth[key] = total, deepest + 1

    visit(root, 0)


def _compose(text: str, file: str) -> Any:
    """Parse one YAML document within the limits; every failure is a ScenarioError with a line."""
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"larger than {MAX_BYTES:,} characters: too large for a scenario", Origin(file))
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            _check_size(node, file)
            data = loader.construct_document(node)
        except RecursionError:
            line = getattr(loader, "line", 0) + 1
            raise ScenarioError(f"values nested more than {MAX_DEPTH} levels deep", Origin(file, line)) from None
        finally:
            loader.dispose()
    except _NodeError as exc:
        raise ScenarioError(f"invalid YAML: {exc.message}", Origin(file, exc.mark.line + 1)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())[:200]
        hint = "" if isinstance(exc, yaml.constructor.ConstructorError) else " (check the indentation)"
        raise ScenarioError(f"invalid YAML: {problem}{hint}", Origin(file, line)) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())[:200]
        raise ScenarioError(f"invalid YAML: {problem}", Origin(file, 1)) from None
    return data, node


def parse_yaml(text: str, file: str) -> tuple[Any, dict[KeyPath, Origin]]:
    """Parse one YAML document, returning data and the origin of every key path."""
    data, node = _compose(text, file)
    origins: dict[KeyPath, Origin] = {(): Origin(file, 1)}
    if node is not None:
        _walk(node, data, (), file, origins)
    return data, origins


def read_text(path: Path, shown: str) -> str:
    """The text of a scenario file: a regular file of at most MAX_BYTES, UTF-8 encoded.

    Devices, pipes and directories are refused before they are opened (``/dev/zero`` would be read
    until memory runs out, a named pipe would block for ever).
    """
    import os
    import stat

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError("no such scenario file", Origin(shown)) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read the file ({_os_reason(exc)})", Origin(shown)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError("is a folder, not a scenario file", Origin(shown))
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError("is not a regular file (a device, pipe or socket): refused", Origin(shown))
    if info.st_size > MAX_BYTES:
        raise ScenarioError(f"the file has {info.st_size:,} bytes; a scenario is at most {MAX_BYTES:,}",
                            Origin(shown))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check
                raise ScenarioError("is not a regular file: refused", Origin(shown))
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({_os_reason(exc)})", Origin(shown)) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"the file has more than {MAX_BYTES:,} bytes: too large for a scenario", Origin(shown))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("the file is not UTF-8 text", Origin(shown, line)) from None


def _os_reason(exc: Exception) -> str:
    reason = getattr(exc, "strerror", None) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {reason}" if reason != exc.__class__.__name__ else reason


def _merge(base: Any, child: Any, base_o: dict, child_o: dict, path: KeyPath) -> Any:
    """Deep-merge ``child`` over ``base`` (dicts merge, lists and scalars replace)."""
    if not (isinstance(base, dict) and isinstance(child, dict)):
        for p in [p for p in base_o if p[: len(path)] == path and len(p) > len(path)]:
            del base_o[p]
        base_o.update({p: o for p, o in child_o.items() if p[: len(path)] == path})
        return copy.deepcopy(child)
    out = dict(base)
    for key, value in child.items():
        here = path + (key,)
        if isinstance(key, str) and key.endswith(APPEND_SUFFIX) and len(key) > 1:
            target = key[: -len(APPEND_SUFFIX)]
            if not isinstance(value, list) or not isinstance(base.get(target, []), list):
                raise ScenarioError(f"'{key}' appends a list to a base list", child_o.get(here), here)
            offset = len(base.get(target, []))
            out[target] = list(base.get(target, [])) + copy.deepcopy(value)
            for p, o in child_o.items():
                if p[: len(here)] == here and len(p) > len(here):
                    base_o[path + (target, p[len(here)] + offset) + p[len(here) + 1 :]] = o
            base_o.setdefault(path + (target,), child_o.get(here))
            continue
        if key in base:
            out[key] = _merge(base[key], value, base_o, child_o, here)
        else:
            out[key] = copy.deepcopy(value)
            base_o.update({p: o for p, o in child_o.items() if p[: len(here)] == here})
        base_o[here] = child_o.get(here, base_o.get(here))
    return out


SCENARIO_SUFFIXES = (".yaml", ".yml")
#: the longest ``extends:`` chain (a scenario, its base, the base's base...)
MAX_EXTENDS = 100


class _ExtendsTooLong(ScenarioError):
    """An ``extends:`` chain above MAX_EXTENDS: reported at the first scenario's ``extends:`` line."""


def read_source(path: str | Path, _stack: tuple[Path, ...] = ()) -> Source:
    """Read a scenario file, following ``extends:`` chains."""
    path = Path(path)
    shown = str(path)
    data, origins = parse_yaml(read_text(path, shown), shown)
    if data is None:
        raise ScenarioError("the file is empty: expected a scenario mapping", Origin(shown, 1))
    if not isinstance(data, dict):
        raise ScenarioError("expected a mapping of scenario keys at the top level", Origin(shown, 1))
    parent = data.pop("extends", None)
    if parent is None:
        return Source(data, origins, shown)
    where = origins.get(("extends",))
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError("expected the path of a base scenario file", where, ("extends",))
    if not parent.lower().endswith(SCENARIO_SUFFIXES):
        # never open a file that is not a scenario (its content could end up in an error message)
        raise ScenarioError("a base scenario is a .yaml or .yml file", where, ("extends",))
    try:
        base_path = (path.parent / parent).resolve()
        chain = _stack + (path.resolve(),)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ScenarioError(f"cannot resolve the base scenario's path ({_os_reason(exc)})", where, ("extends",)) from None
    if base_path in chain:
        cycle = " -> ".join(p.name for p in chain + (base_path,))
        raise ScenarioError(f"extends cycle: {cycle}", where, ("extends",))
    if not base_path.exists():
        raise ScenarioError("base scenario not found next to this file", where, ("extends",))
    too_long = (f"a chain of more than {MAX_EXTENDS} base scenarios "
                f"({chain[0].name} -> {chain[1].name if len(chain) > 1 else base_path.name} -> ...)")
    if len(chain) > MAX_EXTENDS:
        raise _ExtendsTooLong(too_long, where, ("extends",))
    try:
        base = read_source(base_path, chain)
    except _ExtendsTooLong:
        raise _ExtendsTooLong(too_long, where, ("extends",)) from None
    except ScenarioError as exc:  # the base cannot be read: name the scenario that asked for it first
        raise ScenarioError(f"in the base scenario: {exc}", where, ("extends",)) from None
    base.data.pop("name", None)  # a variant is named after its own file unless it says otherwise
    base.origins.pop(("name",), None)
    merged_origins = dict(base.origins)
    merged = _merge(base.data, data, merged_origins, origins, ())
    return Source(merged, merged_origins, shown)


def _parse_override(text: str | tuple[Sequence[str], str]) -> tuple[list[str], Any]:
    if not isinstance(text, str):  # (key parts, value text): the parts are taken as they are
        parts, raw = [str(p) for p in text[0]], str(text[1])
        if not parts or any(not p for p in parts):
            raise ScenarioError("expected a key path of non-empty parts", Origin("--set"))
        return _parse_override_value(_override_label(text), parts, raw)
    if "=" not in text:
        raise ScenarioError("expected --set path=value", Origin(f"--set {text}"))
    key, _, raw = text.partition("=")
    parts = [p for p in key.strip().split(".")]
    if not key.strip() or any(not p for p in parts):
        raise ScenarioError("expected a dotted key path before '='", Origin(f"--set {text}"))
    return _parse_override_value(text, parts, raw)


def _parse_override_value(text: str, parts: list[str], raw: str) -> tuple[list[str], Any]:
    if len(text) > MAX_OVERRIDE_BYTES:
        raise ScenarioError(f"a --set value is at most {MAX_OVERRIDE_BYTES:,} characters", Origin("--set"))
    try:
        value = _compose(raw, "--set")[0] if raw.strip() else None
    except ScenarioError as exc:
        raise ScenarioError(f"cannot read the value: {exc.message}", Origin(f"--set {text}")) from None
    return parts, value


def _override_label(item: str | tuple[Sequence[str], str]) -> str:
    """An override as ``--set`` would spell it (for messages)."""
    return item if isinstance(item, str) else f"{'.'.join(map(str, item[0]))}={item[1]}"


def _set(node: Any, parts: list[str], value: Any, path: KeyPath, origin: Origin, src: Source) -> int:
    """Set ``value`` at ``parts`` below ``node``; ``*`` matches every key. Returns matches."""
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        keys: list = list(range(len(node))) if head == "*" else []
        if head != "*":
            named = _named_item(node, head)
            if named is not None:
                keys = [named]
            elif not (head.isascii() and head.isdigit()) or int(head) >= len(node):
                names = [str(x["name"]) for x in node if isinstance(x, dict) and "name" in x]
                hint = f"{suggest(head, names)} (names: {', '.join(names)})" if names else ""
                raise ScenarioError(f"no item {head} (the list has {len(node)}){hint}", origin, path + (head,))
            else:
                keys = [int(head)]
    elif isinstance(node, dict):
        keys = list(node) if head == "*" else [head]
        if rest and head != "*" and head not in node:
            raise ScenarioError(f"no key '{head}' here{suggest(head, node)}", origin, path + (head,))
    else:
        raise ScenarioError("cannot set a key inside a plain value", origin, path)
    count = 0
    for key in keys:
        here = path + (key,)
        if not rest:
            node[key] = copy.deepcopy(value)
            for p in [p for p in src.origins if p[: len(here)] == here]:
                del src.origins[p]
            src.origins[here] = origin
            count += 1
            continue
        child = node[key]
        if isinstance(child, str) and path[-1:] == ("strategies",):
            child = node[key] = {"name": child}  # 'tit_for_tat' -> {name: tit_for_tat, ...}
        count += _set(child, rest, value, here, origin, src)
    return count


def _named_item(items: list, key: str) -> int | None:
    """Index of the item (an event) whose ``name`` is ``key`` or slugs to it, if exactly one does."""
    from .names import column_slug as event_slug

    hits = [i for i, x in enumerate(items) if isinstance(x, dict) and "name" in x
            and (str(x["name"]) == key or event_slug(str(x["name"])) == key)]
    return hits[0] if len(hits) == 1 else None


def apply_overrides(src: Source, overrides: list[str | tuple[Sequence[str], str]]) -> Source:
    """Apply ``--set path=value`` overrides in order (the value is read as YAML).

    An override is a ``path=value`` text, or a pair ``(key parts, value text)``: its parts are
    used as they are, so a key holding ``=`` (an actor named ``a=b``) can be set too (the live
    page's controls set values this way)."""
    for text in overrides:
        parts, value = _parse_override(text)
        origin = Origin(f"--set {_override_label(text)}")
        if _set(src.data, parts, value, (), origin, src) == 0:
            raise ScenarioError("the path matched nothing", origin, tuple(parts))
        src.overridden[".".join(parts)] = origin
    return src
