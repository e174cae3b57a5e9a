"""Benchmark: comparing consecutive revisions of every corpus act, against git's word diff.

For every pair (vN, vN+1) of every act in the corpus, in the same run:

* ``python -m drafts diff OLD NEW --json`` as a whole process (parse included);
* ``git diff --no-index --word-diff=porcelain OLD NEW`` (C, the speed to approach);
* in-process ``drafts.parse`` and ``drafts.diff.compare`` timings, to say where time goes;
* diff-match-patch on the whole document with its default settings (``Diff_Timeout`` = 1 s),
  in a child process with a hard timeout: it finishes near its deadline and may silently
  return "delete everything, insert everything" (ECOSYSTEM.md section 4).

Each process is timed as the median of ``--repeat`` runs; peak memory (largest act only) is
GNU time's maximum RSS. Machines here are shared and noisy: read the ratios.

    .venv/bin/python bench/bench_diff.py [--corpus DIR] [--acts de-bgb,...] [--repeat 3]
                                         [--no-dmp] [--json bench/out/diff.json]
"""
from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DMP_SCRIPT = """
import sys, time
from diff_match_patch import diff_match_patch
a = open(sys.argv[1], encoding="utf-8").read(); b = open(sys.argv[2], encoding="utf-8").read()
t = time.perf_counter(); d = diff_match_patch().diff_main(a, b)  # default settings
equal = sum(len(s) for op, s in d if op == 0)
print(len(d), equal, sum(len(s) for op, s in d if op), round(time.perf_counter() - t, 3))
"""


def run(cmd: list[str], timeout: float | None = None) -> tuple[float, int, bytes]:
    """(seconds, exit code, stdout) of one child process; exit code -9 after the timeout."""
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=REPO)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return time.perf_counter() - t, -9, b""
        elapsed = time.perf_counter() - t
        out.seek(0)
        return elapsed, proc.returncode, out.read()


def peak_rss(cmd: list[str]) -> int:
    """Peak resident memory (KB) of one run of cmd, as GNU time reports it. (os.wait4 from
    this process would not do: a spawned child's ru_maxrss starts at the parent's RSS.)"""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=False, cwd=REPO,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(proc.stderr.strip().splitlines()[-1])


def median_run(cmd: list[str], repeat: int) -> tuple[float, int, bytes]:
    runs = [run(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), runs[-1][1], runs[-1][2]


def cli_available() -> bool:
    probe = [sys.executable, "-m", "drafts", "diff", "--help"]
    return subprocess.run(probe, check=False, cwd=REPO, capture_output=True).returncode == 0


def changed_chars(data: dict) -> int:
    return sum(len(t) for c in data["changes"] for op, t in c["ops"] if op != 0)


def in_process(old: Path, new: Path) -> dict:
    """Where the time goes: parse both, then compare (best of 2, after a warm-up)."""
    from drafts.diff import compare, comparison_json
    from drafts.parse import parse

    best = {"parse_s": 1e9, "compare_s": 1e9}
    for _ in range(2):
        t0 = time.perf_counter()
        a = parse(old.read_text(encoding="utf-8")).clauses()
        b = parse(new.read_text(encoding="utf-8")).clauses()
        t1 = time.perf_counter()
        changes = compare(a, b)
        t2 = time.perf_counter()
        best["parse_s"] = min(best["parse_s"], t1 - t0)
        best["compare_s"] = min(best["compare_s"], t2 - t1)
    data = comparison_json(changes)
    best.update(clauses=(len(a), len(b)), totals=data["totals"], changed_chars=changed_chars(data))
    return best


def git_changed(porcelain: bytes) -> int:
    lines = porcelain.decode("utf-8", "replace").splitlines()
    body = [ln for ln in lines if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return sum(len(ln) - 1 for ln in body)


def bench_pair(old: Path, new: Path, args: argparse.Namespace, cli: bool) -> dict:
    row: dict = {"pair": f"{old.parent.name} {old.stem}->{new.stem}",
                 "bytes": (old.stat().st_size, new.stat().st_size)}
    git = ["git", "diff", "--no-index", "--word-diff=porcelain", str(old), str(new)]
    row["git_s"], _, out = median_run(git, args.repeat)
    row["git_changed_chars"] = git_changed(out)
    if cli:
        cmd = [sys.executable, "-m", "drafts", "diff", str(old), str(new), "--json"]
        row["cli_s"], code, out = median_run(cmd, args.repeat)
        row["cli_exit"] = code
        if out:
            data = json.loads(out)
            row["cli_totals"] = data["totals"]
            row["cli_changed_chars"] = changed_chars(data)
        row["cli_vs_git"] = round(row["cli_s"] / row["git_s"], 1)
    row.update(in_process(old, new))
    if args.dmp:
        t, code, out = run([sys.executable, "-c", DMP_SCRIPT, str(old), str(new)],
                              timeout=args.dmp_timeout)
        if code == -9:
            row["dmp"] = f"killed after {args.dmp_timeout:.0f} s"
        else:
            n_ops, equal, changed, _ = out.split()
            shortest = min(row["bytes"])
            degraded = int(equal) < 0.01 * shortest  # nothing kept: delete all + insert all
            row["dmp"] = (f"{t:.2f} s, {int(n_ops)} ops, {int(changed)} chars changed"
                          + (" (DEGRADED: delete all + insert all)" if degraded else ""))
    return row


def pairs(corpus: Path, acts: list[str] | None) -> list[tuple[Path, Path]]:
    out = []
    for act in sorted(p for p in corpus.iterdir() if (p / "v1.md").exists()):
        if acts and act.name not in acts:
            continue
        versions = sorted(act.glob("v*.md"), key=lambda p: int(p.stem[1:]))
        out.extend(itertools.pairwise(versions))
    return out


def table(rows: list[dict]) -> str:
    head = ("| pair | KB | clauses | changes (mod/mov/ins/del) | cli s | git s | cli/git | parse s"
            " | compare s | (parse+compare)/git | changed chars: ours / git |")
    lines = [head, "|---" * 11 + "|"]
    for r in rows:
        t = r["totals"]
        lines.append(
            f"| {r['pair']} | {r['bytes'][1] // 1024} | {r['clauses'][1]} | "
            f"{t['modified']}/{t['moved']}/{t['inserted']}/{t['deleted']} | "
            f"{r.get('cli_s', float('nan')):.3f} | {r['git_s']:.3f} | "
            f"{r.get('cli_vs_git', '-')} | {r['parse_s']:.3f} | {r['compare_s']:.3f} | "
            f"{(r['parse_s'] + r['compare_s']) / r['git_s']:.1f} | "
            f"{r['changed_chars']} / {r['git_changed_chars']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--acts", help="comma-separated act ids (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dmp", dest="dmp", action="store_false")
    parser.add_argument("--dmp-timeout", type=float, default=60.0)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "out" / "diff.json")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found at {args.corpus}")
    cli = cli_available()
    if not cli:
        print("note: `python -m drafts diff` is not available; in-process figures only")
    rows = []
    for old, new in pairs(args.corpus, args.acts.split(",") if args.acts else None):
        try:
            rows.append(bench_pair(old, new, args, cli))
        except Exception as exc:  # noqa: BLE001 (a parser failure must not hide the other acts)
            print(f"FAILED {old} -> {new}: {exc!r}", flush=True)
            continue
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    if not rows:
        sys.exit("no pair could be benchmarked")
    largest = max(rows, key=lambda r: sum(r["bytes"]))
    old_new = largest["pair"].split()[1].split("->")
    act_dir = args.corpus / largest["pair"].split()[0]
    cmd = ([sys.executable, "-m", "drafts", "diff"] if cli else None)
    if cmd:
        cmd += [str(act_dir / f"{old_new[0]}.md"), str(act_dir / f"{old_new[1]}.md"), "--json"]
        print(f"peak RSS of `{' '.join(cmd[1:])}`: {peak_rss(cmd) / 1024:.0f} MB")
    git = ["git", "diff", "--no-index", "--word-diff=porcelain",
           str(act_dir / f"{old_new[0]}.md"), str(act_dir / f"{old_new[1]}.md")]
    print(f"peak RSS of git word diff on {largest['pair']}: {peak_rss(git) / 1024:.0f} MB")
    print(table(rows))
    if args.dmp:
        print("\ndiff-match-patch, whole document, default settings:")
        for r in rows:
            print(f"- {r['pair']}: {r['dmp']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
