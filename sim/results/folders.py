"""Results folders: where the tool may write, and how a folder comes into being.

Every folder is written under a hidden name and renamed when complete, so nothing that looks
complete is ever half-written; every path is proven to be inside the output root the user chose.
A scenario's name becomes a folder name, so it must be a plain slug (:func:`safe_name_problem`,
also checked when the scenario is loaded).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import yaml

from ..errors import UserError
from .naming import safe_name_problem

PARTIAL_PREFIX = ".partial-"
INCOMPLETE_SUFFIX = ".incomplete"
@contextmanager
def naming(path: Path):
    """An operating-system error in the block that names no file (a full disk on ``write``: ENOSPC)
    is raised again naming ``path``, so the one-line error says where it happened."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None or isinstance(exc, ConnectionError):
            raise  # already named; a closed pipe (output into `head`) is not a file problem
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


#: the name of a scenario's calibration table copied into its results folder, next to scenario.yaml
TABLE_NAME = "posterior.csv"


def inside(root: Path, path: Path) -> Path:
    """``path``, after checking that it resolves to a place inside ``root`` (UserError if not)."""
    root_r, path_r = Path(root).resolve(), Path(path).resolve()
    if path_r != root_r and root_r not in path_r.parents:
        raise UserError(f"refusing to write {path}: it is outside the output folder {root}")
    return Path(path)


def results_dir(root: Path | str, name: str) -> Path:
    """``root/name`` for a scenario's results, proven to be a child of ``root``."""
    problem = safe_name_problem(name)
    if problem:
        raise UserError(f"scenario name '{name}' {problem}: refusing to write under {root}")
    return inside(Path(root), Path(root) / name)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to a hidden temporary file next to ``path``, then rename it into place."""
    path = Path(path)
    tmp = path.with_name(f"{PARTIAL_PREFIX}{uuid.uuid4().hex}-{path.name}"[:255])
    try:
        with naming(path):
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a hidden temporary file next to ``path``, then rename it into place."""
    path = Path(path)
    tmp = path.with_name(f"{PARTIAL_PREFIX}{uuid.uuid4().hex}-{path.name}"[:255])
    try:
        with naming(path):
            tmp.write_bytes(data)
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@contextmanager
def folder_lock(folder: Path, what: str = "this folder"):
    """Hold an exclusive lock on ``folder`` (the directory itself, so the lock follows a rename and
    no lock file is left behind; the kernel drops it when the process ends, even on SIGKILL).

    A second writer fails at once with a UserError instead of racing the first.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except FileNotFoundError:
        raise UserError(f"{folder}: no such folder (another process may have finished it)") from None
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no lock
            pass
        except BlockingIOError:
            raise UserError(f"{folder}: another sim process is writing {what}; wait for it to finish") from None
        yield
    finally:
        os.close(fd)


def timestamp() -> str:
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}"


def folder_stem(seed: int, runs: int) -> str:
    """``<UTC time>-seed<seed>-runs<runs>``: the name of a new run folder."""
    return f"{timestamp()}-seed{seed}-runs{runs}"


def _claim(parent: Path, stem: str, tmp: Path) -> Path:
    """Rename ``tmp`` to the first free ``stem``, ``stem-2``, ... (never overwriting)."""
    for i in range(1, 10_000):
        final = parent / (stem if i == 1 else f"{stem}-{i}")
        if final.exists():
            continue
        try:
            tmp.rename(final)  # fails if another process took the name in between
            return final
        except OSError:
            continue
    raise RuntimeError(f"no free results folder name under {parent}")


#: the alias of the newest complete folder under a results root's scenario (or compare) folder
LATEST = "latest"


def latest_enabled() -> bool:
    """``SIM_LATEST=0`` turns the ``latest`` alias off (scripts that list a scenario's folders)."""
    return os.environ.get("SIM_LATEST", "1").strip().lower() not in ("0", "no", "off", "false")


def update_latest(folder: Path) -> Path | None:
    """Point ``<parent>/latest`` at ``folder``, atomically: a relative symlink made under a hidden
    name and renamed over the old one (readers see the old folder or the new, never neither).
    Where symlinks are not allowed, ``latest`` is a one-line pointer file naming the folder
    (:func:`resolve_folder` follows both). Nothing is done if ``latest`` is a real folder."""
    if not latest_enabled():
        return None
    folder = Path(folder)
    link = folder.parent / LATEST
    if link.is_dir() and not link.is_symlink():
        return None
    tmp = folder.parent / f"{PARTIAL_PREFIX}{uuid.uuid4().hex}-{LATEST}"
    try:
        os.symlink(folder.name, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except (OSError, NotImplementedError):
        if os.path.lexists(tmp):
            os.unlink(tmp)
        write_text_atomic(link, folder.name + "\n")
    return link


def resolve_folder(path: str | Path) -> Path:
    """A folder given on the command line, with ``latest`` followed: a symlink is resolved to the
    folder it names, a pointer file read (UserError if it names no folder). Other paths unchanged."""
    path = Path(path)
    if path.is_symlink():
        return path.resolve()
    if path.name == LATEST and path.is_file():
        try:
            name = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            name = ""
        target = path.parent / name
        if not name or "/" in name or "\\" in name or not target.is_dir():
            raise UserError(f"{path}: names no results folder ('{name[:60]}')")
        return target
    return path


@contextmanager
def new_folder(parent: Path, stem: str, latest: bool = True):
    """Yield a hidden temporary folder under ``parent``; on success rename it to a free ``stem``
    and (``latest``) point ``parent/latest`` at it.

    On any exception (Ctrl-C included) the temporary folder is removed, so nothing that looks
    complete is ever left behind. The final path is in ``holder[0]`` after the block.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f"{PARTIAL_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir()
    holder: list[Path] = [tmp]
    try:
        with naming(parent / stem):
            yield holder
            holder[0] = _claim(parent, stem, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if latest:
        update_latest(holder[0])


@contextmanager
def resumable_folder(parent: Path, stem: str):
    """Like :func:`new_folder`, for long jobs that can resume: the work happens in a visible
    ``<stem>.incomplete`` folder that is kept if the job is interrupted (it has no manifest, so it
    never looks complete) and renamed to a free ``stem`` when the block succeeds."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for i in range(1, 10_000):
        work = parent / f"{stem if i == 1 else f'{stem}-{i}'}{INCOMPLETE_SUFFIX}"
        try:
            work.mkdir()
            break
        except FileExistsError:
            continue
    holder = [work]
    with folder_lock(work), naming(work):  # the lock is held until renamed: a concurrent `--resume` fails at once
        yield holder
        holder[0] = complete(work)


def complete(work: Path) -> Path:
    """Rename a finished ``<stem>.incomplete`` folder to a free ``<stem>``."""
    stem = work.name.removesuffix(INCOMPLETE_SUFFIX)
    done = _claim(work.parent, stem, work)
    update_latest(done)
    return done


def clear_partials(folder: Path) -> None:
    """Remove hidden half-written sub-folders (left by a job that was interrupted)."""
    for leftover in Path(folder).glob(f"{PARTIAL_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_scenario(folder: Path, scenario, what: str, data: dict | None = None, table: str | None = None,
                   **keys) -> Path:
    """``scenario.yaml``: the resolved scenario (after ``extends`` and ``--set``) as the folder ran
    it, with ``keys`` (seed, runs, ...) set; ``what`` says which folder it belongs to. ``data``
    replaces the scenario's own mapping (a calibration leaves out ``parameters``).

    A scenario that draws from a calibration table (``parameters: {from: ...}``) gets a copy of the
    table next to it (``table``, default ``posterior.csv``; its checksum goes into the manifest with
    every file) and points at the copy, so the folder replays, resumes and verifies on its own."""
    path = Path(folder) / "scenario.yaml"
    data = scenario.data if data is None else data
    data = store_table(Path(folder), scenario, data, table or TABLE_NAME)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# {scenario.name}: {what} (after extends and --set overrides)\n")
        yaml.safe_dump({**data, "name": scenario.name, **keys}, f, sort_keys=False, allow_unicode=True)
    write_resolved(Path(folder), scenario, keys)
    return path


#: fields of a resolved scenario that ``resolved.json`` leaves out: the YAML data (``scenario.yaml``
#: holds it) and what points at other files or objects (recorded in the manifest)
_NOT_RESOLVED = ("data", "posterior", "reference_class", "sweep", "lesson")


def plain(x):
    """A resolved object as JSON-ready values: dataclasses as mappings of their fields, enums as
    their values, tuples as lists, numpy values as numbers (anything else as its text)."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, enum.Enum):
        return x.value
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if hasattr(x, "tolist"):
        return x.tolist()
    return str(x)


def write_resolved(folder: Path, scenario, keys: dict | None = None) -> Path:
    """``resolved.json``: the scenario exactly as the model ran it (actors, the seats on every track,
    events, twins and every parameter after resolution; ``keys`` such as seed and runs as run),
    and the file it was read from (``source``, empty when it was built in Python)."""
    import dataclasses
    import json

    fields = {f.name: plain(getattr(scenario, f.name)) for f in dataclasses.fields(scenario)
              if f.name not in _NOT_RESOLVED}
    names = [a.name for a in scenario.actors]
    doc = {"source": str(getattr(scenario, "file", "") or ""),
           "seats": {t.name: [names[p] for p in t.players] for t in scenario.tracks},   # who plays each track
           **fields, **{k: plain(v) for k, v in (keys or {}).items()}}
    path = Path(folder) / "resolved.json"
    path.write_text(json.dumps(doc, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    return path


def store_table(folder: Path, scenario, data: dict, name: str = TABLE_NAME) -> dict:
    """Copy the scenario's calibration table (the bytes checked when it was loaded) into ``folder``
    as ``name``; return ``data`` with ``parameters.from`` pointing at the copy (unchanged without
    a table). The copy is written before anything that reads it and checksummed with every file."""
    post = getattr(scenario, "posterior", None)
    raw = getattr(post, "raw", None)
    if post is None or not isinstance(data.get("parameters"), dict):
        return data
    if raw is None:  # a table built in memory: the rows it applies, as a calibration writes them
        from .tables import write_table

        write_table(Path(folder) / name, {f"param.{p}": post.values[:, j] for j, p in enumerate(post.paths)})
    else:
        (Path(folder) / name).write_bytes(raw)
    return {**data, "parameters": {**data["parameters"], "from": name}}
