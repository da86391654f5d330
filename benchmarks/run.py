#!/usr/bin/env python3
"""Measure folio's speed: `python benchmarks/run.py [--quick] [--label NAME]`.

For the Situationer (1x), synthetic long reports made from its own chapters
(x10, x40: every chapter copied and retitled, so the contents grow too) and the
generated stress report (`stress`: scripts/stress_report.py, content of other
shapes: notes in tables, charts, four heading levels, several scripts) it
measures, each as a whole process started afresh:

- our build (`build.py --fresh`: cold, every layout defect found and mended from
  scratch), wall time, median of several runs after a warm-up, with the split into
  steps the build reports itself (hidden `--timings`);
- a repeat build of the same report (`build.py`), which starts from the mends the
  last build left beside its PDF (folio/record.py);
- a bare WeasyPrint call on the very HTML our build typeset, in the same run,
  interleaved with ours so that both see the same machine;
- peak memory (all the build's processes together, sampled; at least the child's ru_maxrss) and the PDF's size;
- for 1x: a `--watch` rebuild after an edit, against the cold build.

The figures of one run are kept in benchmarks/results/<label>.json and
BENCHMARKS.md is written from every stored label, so "before" and "after"
stand side by side. Nothing here is asserted: the benchmark is the record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
RESULTS = ROOT / "benchmarks" / "results"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"

BARE = (
    "import sys, weasyprint; "
    "weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf(sys.argv[3])"
)


# ---------------------------------------------------------------- synthetic reports


def _retitle(text: str, copy: int) -> str:
    """Make a chapter file's title and ids unique for its `copy`-th copy (1-based)."""
    if copy == 1:
        return text

    def title(match: re.Match[str]) -> str:
        value = match.group(1).rstrip()
        if value[-1:] in "'\"" and value[:1] == value[-1:]:
            return f"title: {value[:-1]} ({copy}){value[-1]}"
        return f"title: {value} ({copy})"

    text = re.sub(r"^title: (.+)$", title, text, count=1, flags=re.M)
    return re.sub(r"^(\s*-?\s*)id: (\S+)\s*$", lambda m: f"{m.group(1)}id: {m.group(2)}-{copy}", text, flags=re.M)


def make_report(times: int, folder: Path) -> Path:
    """The Situationer with its chapters repeated `times` times, written into `folder`."""
    if times == 1:
        return CONTENT
    folder.mkdir(parents=True, exist_ok=True)
    report = (CONTENT / "report.yaml").read_text(encoding="utf-8")
    head, _, tail = report.partition("\nchapters:\n")
    names = [line.strip()[2:].strip() for line in tail.splitlines() if line.strip().startswith("- ")]
    listed = []
    for copy in range(1, times + 1):
        for name in names:
            new = f"{copy:03d}-{name}"
            text = (CONTENT / name).read_text(encoding="utf-8")
            (folder / new).write_text(_retitle(text, copy), encoding="utf-8")
            listed.append(new)
    (folder / "report.yaml").write_text(
        head + "\nchapters:\n" + "".join(f"  - {n}\n" for n in listed), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- running a child


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the child and the children it waited for
    maxrss_mib: float
    stderr: str
    stdout: str


def run_child(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Start a process, wait for it, and return its wall time and peak memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env=env or child_env())
    # Read the pipes in threads so a chatty child never blocks; wait4 gives its own rusage.
    chunks: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=n, f=f: chunks.__setitem__(n, f.read()))
               for n, f in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    peak = TreeMemory(proc.pid)
    peak.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    peak.stop()
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = chunks.get("out", b"").decode(), chunks.get("err", b"").decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    # A build in parts runs several processes at once: its peak is theirs together (their
    # proportional set sizes, so pages shared after fork count once), sampled while it runs;
    # never less than the largest single process's ru_maxrss.
    return Run(wall, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss / 1024, peak.peak_mib), err, out)


class TreeMemory(threading.Thread):
    """The peak of a process and its descendants' memory together (Linux /proc), sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_mib, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak_mib = max(self.peak_mib, sum(_pss_kib(pid) for pid in _tree(self.pid)) / 1024)

    def stop(self) -> None:
        self.done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FOLIO_JOBS", None)
    return env


# ---------------------------------------------------------------- one size


@dataclass
class SizeResult:
    times: int  # multiples of the Situationer; 0 for the stress report
    report: str = ""  # "x10", or "stress" (scripts/stress_report.py)
    pages: int = 0
    runs: int = 0
    wall: float = 0.0  # median whole-process seconds, our build
    wall_all: list[float] = field(default_factory=list)
    cpu: float = 0.0  # median CPU seconds: steadier than wall time on a shared machine
    steps: dict[str, float] = field(default_factory=dict)  # medians of the build's own timings
    maxrss_mib: float = 0.0
    pdf_bytes: int = 0
    bare_wall: float = 0.0
    bare_wall_all: list[float] = field(default_factory=list)
    bare_cpu: float = 0.0
    bare_maxrss_mib: float = 0.0
    bare_pdf_bytes: int = 0
    repeat_wall: float | None = None  # median seconds of a build that finds the last build's mends beside its PDF
    repeat_cpu: float | None = None
    watch_rebuild: float | None = None  # median seconds the watch process reports per rebuild
    watch_latency: float | None = None  # median seconds from saving a file to the new PDF
    watch_cpu: float | None = None  # median CPU seconds the watch process spent per rebuild


def make_content(name: str, work: Path) -> Path:
    """The report a size names: "x10" is the Situationer's chapters ten times, "stress" the
    generated stress report (scripts/stress_report.py: notes in tables, charts, four heading
    levels, several scripts)."""
    if name == "stress":
        folder = work / "stress"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "stress_report.py"), str(folder)], check=True,
                       capture_output=True)
        return folder
    return make_report(int(name.removeprefix("x")), work / name)


def measure(name: str, runs: int, work: Path, watch: bool, extra: list[str]) -> SizeResult:
    times = 0 if name == "stress" else int(name.removeprefix("x"))
    content = make_content(name, work)
    pdf, html, bare_pdf = work / f"{name}.pdf", work / f"{name}.html", work / f"{name}-bare.pdf"
    # A cold build (--fresh: it finds and mends every layout defect, ignoring the mends the
    # last build left beside its PDF) and a repeat build of the same report, which starts from them.
    repeat = [sys.executable, str(ROOT / "build.py"), "--content", str(content), "-o", str(pdf), "-q",
              "--timings", "--html", str(html), *extra]
    ours = [*repeat, "--fresh"]
    bare = [sys.executable, "-c", BARE, str(html), ROOT.as_uri() + "/", str(bare_pdf)]
    result = SizeResult(times=times, report=name, runs=runs)
    print(f"{name}: warm-up", file=sys.stderr, flush=True)
    run_child(ours)
    run_child(bare)
    reports: list[dict] = []
    rss, bare_rss, cpu, bare_cpu, repeat_wall, repeat_cpu = [], [], [], [], [], []
    for i in range(runs):
        # Alternate which goes first, so that a drift in the machine's load favours neither.
        b = run_child(bare) if i % 2 else None
        r = run_child(ours)
        report = json.loads(r.stderr.strip().splitlines()[-1])
        reports.append(report)
        result.wall_all.append(r.wall)
        rss.append(r.maxrss_mib)
        cpu.append(r.cpu)
        again = run_child(repeat)
        repeat_wall.append(again.wall)
        repeat_cpu.append(again.cpu)
        b = b or run_child(bare)
        result.bare_wall_all.append(b.wall)
        bare_rss.append(b.maxrss_mib)
        bare_cpu.append(b.cpu)
        print(f"{name}: run {i + 1}/{runs}: ours {r.wall:.2f} s (repeat {again.wall:.2f} s), "
              f"bare WeasyPrint {b.wall:.2f} s",
              file=sys.stderr, flush=True)
    result.pages = reports[-1]["pages"]
    result.wall = statistics.median(result.wall_all)
    result.bare_wall = statistics.median(result.bare_wall_all)
    result.cpu, result.bare_cpu = statistics.median(cpu), statistics.median(bare_cpu)
    result.repeat_wall, result.repeat_cpu = statistics.median(repeat_wall), statistics.median(repeat_cpu)
    names = dict.fromkeys(k for rep in reports for k in rep["steps"])
    result.steps = {k: statistics.median(rep["steps"].get(k, 0.0) for rep in reports) for k in names}
    result.steps["total in process"] = statistics.median(rep["seconds"] for rep in reports)
    result.maxrss_mib = max(rss)
    result.bare_maxrss_mib = max(bare_rss)
    result.pdf_bytes = pdf.stat().st_size
    result.bare_pdf_bytes = bare_pdf.stat().st_size
    if watch:
        result.watch_rebuild, result.watch_latency, result.watch_cpu = measure_watch(
            content, work / f"watch-{name}", runs)
    return result


REBUILT = re.compile(r"in ([0-9.]+) s")


def _cpu_seconds(pid: int) -> float:
    """User + system time of a running process so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_watch(content: Path, work: Path, edits: int) -> tuple[float | None, float | None, float | None]:
    """Start `build.py --watch` on a copy of the report, edit a chapter `edits` times."""
    folder = work / "content"
    shutil.copytree(content, folder)
    chapter = sorted(p for p in folder.glob("*.yaml") if p.name != "report.yaml")[-1]
    original = chapter.read_text(encoding="utf-8")
    argv = [sys.executable, str(ROOT / "build.py"), "--watch", "--content", str(folder),
            "-o", str(work / "watch.pdf")]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                            env=child_env(), text=True, bufsize=1)
    assert proc.stdout is not None
    rebuilds, latencies, cpus = [], [], []
    try:
        if not _wait_line(proc, "wrote"):
            print("watch: no first build", file=sys.stderr)
            return None, None, None
        for i in range(edits + 1):
            time.sleep(0.3)
            edited, cpu_before = time.perf_counter(), _cpu_seconds(proc.pid)
            chapter.write_text(original + f"\n# edit {i}\n", encoding="utf-8")
            line = _wait_line(proc, "rebuilt")
            if line is None:
                print("watch: no rebuild seen", file=sys.stderr)
                return None, None, None
            if i == 0:
                continue  # the first rebuild after start-up is the warm-up
            latencies.append(time.perf_counter() - edited)
            cpus.append(_cpu_seconds(proc.pid) - cpu_before)
            match = REBUILT.search(line)
            if match:
                rebuilds.append(float(match.group(1)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return statistics.median(rebuilds), statistics.median(latencies), statistics.median(cpus)


def _wait_line(proc: subprocess.Popen, word: str, timeout: float = 300) -> str | None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return None
        if word in line:
            return line
    return None


# ---------------------------------------------------------------- the record


def machine() -> dict[str, str]:
    import importlib.metadata as md

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {name: md.version(name) for name in ("weasyprint", "pydyf", "Jinja2", "PyYAML")}
    pango = subprocess.run([sys.executable, "-c", "from weasyprint.text.ffi import pango; "
                            "print(pango.pango_version_string() if hasattr(pango, 'pango_version_string') "
                            "else '')"], capture_output=True, text=True).stdout.strip()
    from ctypes.util import find_library

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, {mem}",
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()) + (f", Pango {pango}" if pango else ""),
        "harfbuzz-subset": "yes" if find_library("harfbuzz-subset") else "no (fontTools fallback)",
        # Other work on the machine skews wall times; the load average says how much there was.
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def write_markdown(path: Path) -> None:
    """BENCHMARKS.md: how to run, the latest run's figures, what they mean; every run in results/RUNS.md."""
    runs = sorted(RESULTS.glob("*.json"), key=lambda p: json.loads(p.read_text())["machine"]["date"])
    datas = [json.loads(file.read_text()) for file in runs]
    head = ["# Benchmarks", "",
            "Written by `python benchmarks/run.py` (`--quick` for a short run, `--label NAME` to keep it",
            "under a name). Wall times are whole processes started afresh, medians after a warm-up;",
            "\"bare\" is `weasyprint.HTML(filename=...).write_pdf(...)` in its own process on the HTML our",
            "build typeset, run interleaved with ours. Peak memory is the build's processes together",
            "(their PSS, sampled every 50 ms), at least the child's ru_maxrss. Ratios below 1 mean faster",
            "than the bare call. CPU is user + system time of the process and the children it waited for.",
            "Timings are never asserted in tests.", ""]
    latest = [_run_section(datas[-1], level="## Latest figures: ")] if datas else []
    reading = ROOT / "benchmarks" / "READING.md"
    tail = [reading.read_text(encoding="utf-8").rstrip(), ""] if reading.is_file() else []
    tail += ["## Earlier runs", "",
             "Every labelled run's figures are in `benchmarks/results/` (one JSON file each, all of them",
             "as tables in `benchmarks/results/RUNS.md`); `benchmarks/results/HISTORY.md` tells what each",
             "session measured and changed.", ""]
    path.write_text("\n".join(head + [line for section in latest for line in section] + tail), encoding="utf-8")
    every = ["# Every labelled run", "", "Written by `python benchmarks/run.py`, oldest first; see BENCHMARKS.md",
             "for how to read them.", ""]
    for data in datas:
        every += _run_section(data, level="## ")
    (RESULTS / "RUNS.md").write_text("\n".join(every), encoding="utf-8")


def _run_section(data: dict, level: str) -> list[str]:
    """One labelled run: its note, machine, figures and where the time went."""
    m = data["machine"]
    out = [f"{level}{data['label']}", ""]
    if data.get("note"):
        out += [data["note"].strip(), ""]
    out += [f"- date: {m['date']}; {data['runs']} runs per figure{' (--quick)' if data.get('quick') else ''}",
            f"- machine: {m['machine']}", f"- Python {m['python']}; {m['versions']}",
            f"- HarfBuzz subsetter: {m['harfbuzz-subset']}; load average (1, 5, 15 min) at the end: "
            f"{m.get('load', '?')}", ""]
    out += ["| report | pages | wall | per page | bare WeasyPrint | ours / bare | CPU ours / bare "
            "| peak memory (bare) | PDF size (bare) | repeat build (/ bare) | watch rebuild / cold |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in data["sizes"]:
        watch = "-"
        if s.get("watch_rebuild"):
            watch = (f"{s['watch_rebuild'] / s['wall']:.2f} ({s['watch_rebuild']:.2f} s; "
                     f"{s['watch_latency']:.2f} s save to PDF")
            if s.get("watch_cpu") and s.get("cpu"):
                watch += f"; CPU {s['watch_cpu']:.2f} / {s['cpu']:.2f} s = {s['watch_cpu'] / s['cpu']:.2f}"
            watch += ")"
        out.append(
            f"| {_name(s)} | {s['pages']} | {s['wall']:.2f} s | {1000 * s['wall'] / s['pages']:.0f} ms "
            f"| {s['bare_wall']:.2f} s | {s['wall'] / s['bare_wall']:.2f} "
            f"| {_cpu(s)} "
            f"| {s['maxrss_mib']:.0f} MiB ({s['bare_maxrss_mib']:.0f}) "
            f"| {s['pdf_bytes'] / 1024:.0f} KiB ({s['bare_pdf_bytes'] / 1024:.0f}) | {_repeat(s)} | {watch} |")
    out += ["", "Where the time goes (medians, seconds, as the build measures itself; the rest of the",
            "wall time is starting Python and importing folio):", ""]
    names = list(dict.fromkeys(k for s in data["sizes"] for k in s["steps"]))
    out += ["| report | " + " | ".join(names) + " | wall |", "| --- |" + " ---: |" * (len(names) + 1)]
    for s in data["sizes"]:
        out.append(f"| {_name(s)} | " + " | ".join(f"{s['steps'].get(n, 0):.2f}" for n in names)
                   + f" | {s['wall']:.2f} |")
    out.append("")
    return out


def _name(s: dict) -> str:
    """A size's name: x1, x10 ... or stress (runs stored before the stress report have no name)."""
    return s.get("report") or f"x{s['times']}"


def _repeat(s: dict) -> str:
    if not s.get("repeat_wall"):
        return "-"
    return f"{s['repeat_wall']:.2f} s ({s['repeat_wall'] / s['bare_wall']:.2f})"


def _cpu(s: dict) -> str:
    if not s.get("cpu"):
        return "-"
    return f"{s['cpu']:.1f} / {s['bare_cpu']:.1f} s"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer runs, and no x40 unless --sizes says so")
    p.add_argument("--runs", type=int, help="measured runs per figure (default 5, 2 with --quick)")
    p.add_argument("--sizes", default="", help="comma-separated multiples of the Situationer, and 'stress' for "
                   "the generated stress report (default 1,10,40,stress; --quick: 1,10)")
    p.add_argument("--label", default="current", help="name of this run in BENCHMARKS.md (e.g. before, after)")
    p.add_argument("--note", default="", help="a sentence shown under the label")
    p.add_argument("--merge", action="store_true", help="add these sizes to the label's stored figures")
    p.add_argument("--no-watch", action="store_true", help="skip the watch-mode measurement")
    p.add_argument("--keep", type=Path, help="keep the generated reports and PDFs in this folder")
    p.add_argument("--build-arg", action="append", default=[], help="pass an extra option to build.py")
    args = p.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    sizes = [x if x == "stress" else f"x{int(x)}"
             for x in (args.sizes or ("1,10" if args.quick else "1,10,40,stress")).split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="folio-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = [measure(n, runs, work, watch=(n == "x1" and not args.no_watch), extra=args.build_arg)
                   for n in sizes]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes_done = [asdict(r) for r in results]
    stored = RESULTS / f"{args.label}.json"
    if args.merge and stored.is_file():  # keep the sizes this run did not measure
        kept = [s for s in json.loads(stored.read_text())["sizes"] if _name(s) not in sizes]
        sizes_done = sorted(kept + sizes_done, key=lambda s: s["times"] or 10**9)  # the stress report last
    record = {"label": args.label, "note": args.note, "runs": runs, "quick": args.quick,
              "machine": machine(), "sizes": sizes_done}
    stored.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    write_markdown(BENCHMARKS_MD)
    for r in results:
        print(f"{r.report}: {r.pages} pages, ours {r.wall:.2f} s, bare {r.bare_wall:.2f} s "
              f"(ratio {r.wall / r.bare_wall:.2f}), peak {r.maxrss_mib:.0f} MiB, {r.pdf_bytes / 1024:.0f} KiB"
              + (f", repeat {r.repeat_wall:.2f} s" if r.repeat_wall else "")
              + (f", watch rebuild {r.watch_rebuild:.2f} s" if r.watch_rebuild else ""))
    print(f"wrote {BENCHMARKS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
