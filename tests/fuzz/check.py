"""Run one fuzz case through the CLI in this process and classify what happened.

Verdicts: ``success`` (exit 0), ``clean`` (exit 2 and one line ``error: FILE:LINE: ...`` per
problem), ``no_line`` (exit 2, but a line without file:line), ``multiline`` (exit 2 and a line
that is not an ``error:`` line, e.g. a message broken over lines),
``traceback`` (an exception escaped ``sim.cli.main``), ``bad_exit`` (any other exit status),
``timeout`` (over the time limit), ``escaped`` (something was written outside the output root).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from sim.cli import main


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so that nothing in the tool can swallow it."""


@dataclass
class Verdict:
    kind: str
    seconds: float
    stderr: str
    detail: str = ""


def _alarm(signum, frame):
    raise Timeout


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def call(argv: list[str], limit: float = 5.0) -> tuple[int | None, str, str, float, str]:
    """(exit status or None, stdout, stderr, seconds, traceback text) of ``sim argv``."""
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    started = time.perf_counter()
    code, tb = None, ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    except Timeout:
        code, tb = None, "timeout"
    except Exception:  # noqa: BLE001 - this is what the fuzzer looks for
        tb = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - started, tb


LINE = re.compile(r"^error: .+:\d+(?::[^ ]+)?: ")  # file:line, or a table's file:row:column


def classify(code, err: str, tb: str, seconds: float, path: str | None = None) -> Verdict:
    if tb == "timeout":
        return Verdict("timeout", seconds, err)
    if tb:
        return Verdict("traceback", seconds, err, tb.strip().splitlines()[-1])
    lines = err.strip().splitlines()
    if code == 0:
        return Verdict("success", seconds, err)
    if code != 2:
        return Verdict("bad_exit", seconds, err, f"exit {code}")
    # one line per problem: a scenario with several problems has several `error: FILE:LINE:` lines
    if not lines or "Traceback" in err or not all(line.startswith("error: ") for line in lines):
        return Verdict("multiline", seconds, err)
    more = re.compile(r"^error: \.\.\. and \d+ more problems$")
    paths = [path, str(Path(path).with_name("table.csv"))] if path is not None else []  # (a table case)
    if path is not None and not all((LINE.match(x) and any(p in x for p in paths)) or more.match(x) for x in lines):
        return Verdict("no_line", seconds, err)
    return Verdict("clean", seconds, err)


def validate_case(text: str, work: Path, limit: float = 5.0) -> Verdict:
    """Write ``text`` to ``work/case.yaml`` and validate it; nothing else may appear in ``work``."""
    path = work / "case.yaml"
    text, _, table = text.partition("#TABLE#\n")  # a calibration table case (mutate.table_case)
    # each case is a new file (the last one's unlinked first): rewriting a non-empty file in place
    # makes ext4 flush it on close (auto_da_alloc): 0.6 ms a write against 0.03 ms for a new file
    for name, content, errors in ((path, text, "surrogatepass"), (work / "table.csv", table, "strict")):
        name.unlink(missing_ok=True)
        name.write_text(content, encoding="utf-8", errors=errors)
    before = files_under(work)
    code, _, err, seconds, tb = call(["validate", str(path)], limit)
    verdict = classify(code, err, tb, seconds, str(path))
    if files_under(work) != before:
        return Verdict("escaped", seconds, err, f"new files: {sorted(map(str, files_under(work) - before))[:3]}")
    return verdict


def run_case(work: Path, runs: int = 20, limit: float = 60.0) -> Verdict:
    """Run ``work/case.yaml`` (already accepted by validate) to the end: a complete folder under
    ``work/out`` and nothing else new in ``work``; no NaN in the summary."""
    path = work / "case.yaml"
    out = work / "out"
    before = files_under(work) - files_under(out) if out.exists() else files_under(work)
    code, _, err, seconds, tb = call(["run", str(path), "--runs", str(runs), "--out", str(out), "--quiet",
                                      "--workers", "1", "--max-memory", "1G"], limit)
    verdict = classify(code, err, tb, seconds)
    outside = {p for p in files_under(work) if out not in p.parents and p != out} - before
    if outside:
        return Verdict("escaped", seconds, err, f"outside the root: {sorted(map(str, outside))[:3]}")
    if verdict.kind == "success":
        summaries = list(out.rglob("summary.json"))
        if not summaries:
            return Verdict("no_folder", seconds, err)
        for s in summaries:
            text = s.read_text()
            if "NaN" in text or "Infinity" in text:
                return Verdict("nan", seconds, err, str(s))
            json.loads(text)
        partial = [p for p in out.rglob(".partial-*")]
        if partial:
            return Verdict("partial_left", seconds, err, str(partial[0]))
    return verdict


def finite(x) -> bool:
    return not isinstance(x, float) or math.isfinite(x)
