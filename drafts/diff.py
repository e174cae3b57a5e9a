"""Word-level differences: inside one clause (``word_diff``) and between two revisions
(``compare``: clause alignment first, then a word diff of each changed pair only).

Diffing clause by clause keeps the cost proportional to what changed; a whole-document
diff-match-patch run costs seconds per MB and, under its default 1 s ``Diff_Timeout``,
silently degrades to "delete everything, insert everything" (ECOSYSTEM.md section 4).
"""
from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from diff_match_patch import diff_match_patch

from drafts.align import KINDS, Change, align_indexed, clause_body, longest_increasing
from drafts.document import Clause

DELETE, EQUAL, INSERT = -1, 0, 1
Ops = list[tuple[int, str]]

# A word is letters/digits plus combining marks (so NFD "й" or stress marks stay inside it);
# every other character is its own token, whitespace runs are one token: nothing is dropped.
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_TOKEN = re.compile(rf"[\w{_MARKS}]+|\s+|[^\w\s]")
# Above this size a pair is first aligned by paragraphs, then sentences, then words: Myers'
# cost is about D^2 in tokens, so a 2,000-word rewrite diffed in one go takes seconds.
COARSE_CHARS = 8000
_SPLITTERS = (re.compile(r"(?<=\n)"), re.compile(r"(?<=[.;:!?]\s)"))
MYERS_CELLS = 400  #: gaps up to len(a) * len(b) units go to dmp's Myers (20 x 20 tokens: well under 1 ms)


def tokenize(text: str) -> list[str]:
    """Words, single punctuation characters and whitespace runs; ``"".join`` gives the text back."""
    return _TOKEN.findall(text)


def _dmp() -> diff_match_patch:
    """Diff_Timeout = 0 (no deadline): the default 1 s deadline silently returns a worse diff,
    and our inputs are one clause (or one coarse run of it), small enough to finish exactly."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0
    return dmp


def _code(n: int) -> str:
    """diff_linesToChars with arbitrary units: one Private Use Area character per distinct unit
    (PUA characters are neither letters nor spaces, so dmp's cleanup heuristics stay neutral)."""
    return chr(0xE000 + n if n < 6400 else 0xF0000 + n - 6400)


_CODES = [_code(n) for n in range(6400)]


def _unit_diff(a: Sequence[str], b: Sequence[str], *, semantic: bool) -> Ops:
    """Diff two unit sequences and give the ops back as text."""
    uniq = list(dict.fromkeys(itertools.chain(a, b)))  # codes in order of first appearance
    codes = _CODES[:len(uniq)] if len(uniq) <= len(_CODES) else list(map(_code, range(len(uniq))))
    table = dict(zip(uniq, codes))
    ca, cb = "".join(map(table.__getitem__, a)), "".join(map(table.__getitem__, b))
    diffs: list[tuple[int, str]] = []
    _patience(ca, cb, diffs)
    dmp = _dmp()
    dmp.diff_cleanupMerge(diffs)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    units = dict(zip(codes, uniq)).__getitem__
    return [(op, "".join(map(units, s))) for op, s in diffs]


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving (as dmp does): O(log n) slice comparisons
    instead of ``os.path.commonprefix``'s loop over characters."""
    if not a or not b or a[0] != b[0]:
        return 0
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while lo + 1 < hi:  # a[:lo] == b[:lo], a[:hi] != b[:hi]
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _common_suffix(a: str, b: str) -> int:
    """Length of the common suffix (see ``_common_prefix``)."""
    if not a or not b or a[-1] != b[-1]:
        return 0
    lo, hi = 0, min(len(a), len(b))
    if a[len(a) - hi:] == b[len(b) - hi:]:
        return hi
    while lo + 1 < hi:  # the last lo characters agree, the last hi do not
        mid = (lo + hi) // 2
        if a[len(a) - mid:len(a) - lo] == b[len(b) - mid:len(b) - lo]:
            lo = mid
        else:
            hi = mid
    return lo


def _anchors(a: str, b: str) -> list[tuple[int, int]]:
    """Positions of units that occur exactly once in a and once in b, kept in order (LIS)."""
    count_a, count_b = Counter(a), Counter(b)
    pos_b = {c: i for i, c in enumerate(b) if count_b[c] == 1}
    pairs = [(i, pos_b[c]) for i, c in enumerate(a) if count_a[c] == 1 and c in pos_b]
    keep = longest_increasing([j for _, j in pairs])
    return [pairs[k] for k in sorted(keep)]


def _patience(a: str, b: str, out: list[tuple[int, str]]) -> None:
    """Patience diff (as ``git diff --patience``) over unit codes, Myers for small gaps.

    Units found once on each side anchor the alignment; the gaps between anchors are solved
    recursively. Myers alone costs about D^2 in pure Python (0.5 s for BGB 2013->2018); here
    it only ever sees gaps of at most MYERS_CELLS. A large gap with no unique shared unit is a
    rewrite: Myers would only pair up frequent words (" ", "der", ","), which semantic
    cleanup folds back into one replacement, so it is emitted as that replacement directly.
    """
    n = _common_prefix(a, b)
    if n:
        out.append((EQUAL, a[:n]))
        a, b = a[n:], b[n:]
    m = _common_suffix(a, b)
    tail = a[len(a) - m:] if m else ""
    if m:
        a, b = a[:-m], b[:-m]
    if not a or not b:
        out.extend((op, t) for op, t in ((DELETE, a), (INSERT, b)) if t)
    elif len(a) * len(b) <= MYERS_CELLS:
        out.extend(_dmp().diff_main(a, b, False))
    else:
        anchors = _anchors(a, b)
        if not anchors:
            out.extend(((DELETE, a), (INSERT, b)))
        i0 = j0 = 0
        for i, j in anchors:
            _patience(a[i0:i], b[j0:j], out)
            out.append((EQUAL, a[i]))
            i0, j0 = i + 1, j + 1
        if anchors:
            _patience(a[i0:], b[j0:], out)
    if tail:
        out.append((EQUAL, tail))


def _merge(ops: Iterable[tuple[int, str]]) -> Ops:
    """Join neighbours of the same kind and put a deletion before the insertion it pairs with."""
    out: Ops = []
    for op, text in ops:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif op == DELETE and out and out[-1][0] == INSERT:
            if len(out) > 1 and out[-2][0] == DELETE:
                out[-2] = (DELETE, out[-2][1] + text)
            else:
                out.insert(len(out) - 1, (DELETE, text))
        else:
            out.append((op, text))
    return out


def _diff(a: str, b: str, level: int) -> Ops:
    if not a or not b:
        return [(DELETE, a), (INSERT, b)]
    if level == len(_SPLITTERS) or len(a) + len(b) < COARSE_CHARS:
        return _unit_diff(tokenize(a), tokenize(b), semantic=True)
    ua, ub = _SPLITTERS[level].split(a), _SPLITTERS[level].split(b)
    if len(ua) < 2 and len(ub) < 2:
        return _diff(a, b, level + 1)
    out: Ops = []
    dels: list[str] = []
    ins: list[str] = []
    for op, text in _unit_diff(ua, ub, semantic=False) + [(EQUAL, "")]:
        if op == DELETE:
            dels.append(text)
        elif op == INSERT:
            ins.append(text)
        else:
            out.extend(_diff("".join(dels), "".join(ins), level + 1) if dels or ins else ())
            dels, ins = [], []
            out.append((EQUAL, text))
    return out


def word_diff(a: str, b: str) -> Ops:
    """Word-level diff of two texts in diff-match-patch form [(op, text)]: -1 delete, 0 equal,
    1 insert. Equal and deleted texts concatenate to ``a``, equal and inserted ones to ``b``,
    and no op boundary falls inside a word (dmp's own cleanup leaves "три|пятна|дцати")."""
    if a == b:
        return [(EQUAL, a)] if a else []
    return _merge(_diff(a, b, 0))


def _with_ops(change: Change, a: str, b: str) -> Change:
    """``a``, ``b``: the clause bodies of the old and new side ("" where there is none)."""
    if change.kind == "inserted":
        ops: tuple[tuple[int, str], ...] = ((INSERT, b),) if b else ()
    elif change.kind == "deleted":
        ops = ((DELETE, a),) if a else ()
    else:
        ops = () if a == b else tuple(word_diff(a, b))
    return Change(change.kind, change.old, change.new, ops, change.similarity)


def compare(old: Sequence[Clause], new: Sequence[Clause], *,
            reserved_keys: Iterable[str] = ()) -> list[Change]:
    """Align two revisions and word-diff each changed pair. ``ops`` are over the clause body
    (heading, blank line, text; whitespace normalised): empty for unchanged and for a clause
    renumbered with the same words, one insert/delete op for inserted/deleted clauses.
    ``reserved_keys``: see ``drafts.align.align``."""
    changes, index, m = align_indexed(old, new, reserved_keys=reserved_keys)
    return [c if c.kind == "unchanged" else
            _with_ops(c, m.body(0, i) if i >= 0 else "", m.body(1, j) if j >= 0 else "")
            for c, (i, j) in zip(changes, index)]


def totals(changes: Sequence[Change]) -> dict[str, int]:
    """How many changes of each kind; every kind is present, zero or not."""
    counts = Counter(c.kind for c in changes)
    return {kind: counts.get(kind, 0) for kind in KINDS}


def comparison_json(changes: Sequence[Change]) -> dict:
    """The comparison as JSON-ready data (the CLI's ``--json`` and the web API)."""
    return {
        "changes": [
            {
                "kind": c.kind,
                "old": c.old.eid if c.old else None,
                "new": c.new.eid if c.new else None,
                "key": c.key,
                "old_label": c.old.label if c.old else None,
                "new_label": c.new.label if c.new else None,
                "ops": [[op, text] for op, text in c.ops],
            }
            for c in changes
        ],
        "totals": totals(changes),
    }


# --- rendering -------------------------------------------------------------------------------

def _ops_html(ops: Iterable[tuple[int, str]]) -> str:
    tags = {DELETE: ("<del>", "</del>"), INSERT: ("<ins>", "</ins>"), EQUAL: ("", "")}
    return "".join(tags[op][0] + html.escape(text) + tags[op][1] for op, text in ops)


def diff_html(a: str, b: str) -> str:
    """One pair of texts as escaped HTML with <del>/<ins> (newlines kept: style with
    ``white-space: pre-wrap``)."""
    return _ops_html(word_diff(a, b))


def _label(clause: Clause | None) -> str:
    return (clause.label or clause.eid) if clause is not None else ""


def _title(c: Change) -> str:
    old, new = _label(c.old), _label(c.new)
    if c.old is None or c.new is None or old == new:
        return old or new
    return f"{old} → {new}"


def _folded(changes: Sequence[Change], context: int | None) -> list[Change | list[Change]]:
    """Changes, with each stretch of unchanged clauses beyond ``context`` of a change folded
    into a list (rendered as one summary line)."""
    ctx = context or 0
    changed = [k for k, c in enumerate(changes) if c.kind != "unchanged"]
    show = set()
    for k in changed:
        show.update(range(max(0, k - ctx), min(len(changes), k + ctx + 1)))
    out: list[Change | list[Change]] = []
    for k, c in enumerate(changes):
        if k in show:
            out.append(c)
        elif out and isinstance(out[-1], list):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _summary(run: list[Change]) -> str:
    first, last = _label(run[0].new), _label(run[-1].new)
    n = len(run)
    span = first if n == 1 else f"{first} – {last}"
    return f"{n} unchanged clause{'s' if n != 1 else ''} ({span})"


def comparison_html(changes: Sequence[Change], *, context: int | None = None) -> str:
    """A whole comparison as an HTML fragment: one <section> per changed clause with its labels
    and word diff; unchanged stretches folded into one line (``context`` of them shown in full
    on each side of a change)."""
    t = totals(changes)
    parts = ['<div class="comparison">',
             '<p class="totals">' + ", ".join(f"{t[k]} {k}" for k in KINDS) + "</p>"]
    for item in _folded(changes, context):
        if isinstance(item, list):
            parts.append(f'<p class="unchanged-run">{html.escape(_summary(item))}</p>')
            continue
        c = item
        body = _ops_html(c.ops) if c.ops else html.escape(clause_body(c.new or c.old))  # type: ignore[arg-type]
        parts.append(
            f'<section class="change {c.kind}" data-key="{html.escape(c.key)}">'
            f'<h3><span class="kind">{c.kind}</span> {html.escape(_title(c))}</h3>'
            f'<div class="diff">{body}</div></section>'
        )
    parts.append("</div>")
    return "\n".join(parts)


def _ops_text(ops: Iterable[tuple[int, str]]) -> str:
    marks = {DELETE: ("[-", "-]"), INSERT: ("{+", "+}"), EQUAL: ("", "")}
    return "".join(marks[op][0] + text + marks[op][1] for op, text in ops)


def comparison_text(changes: Sequence[Change]) -> str:
    """A terminal-friendly comparison, ``[-old-]{+new+}`` as in ``git diff --word-diff``."""
    t = totals(changes)
    lines = [", ".join(f"{t[k]} {k}" for k in KINDS)]
    for item in _folded(changes, 0):
        if isinstance(item, list):
            lines.append(f"… {_summary(item)}")
            continue
        lines.append(f"@@ {item.kind} {_title(item)} [{item.key}]")
        if item.ops:
            lines.append(_ops_text(item.ops))
    return "\n".join(lines) + "\n"
