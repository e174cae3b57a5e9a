"""Mass-campaign clustering against its goals (issue 10): recall >= 95% of generated template
variants clustered with their campaign, under 1% of distinct real comments merged wrongly, at most
5 ms per comment. Real comments: every comments.csv of ../shared/corpus/comments; campaigns: the
templates below, each varied by synonym swaps and reordered sentences. Baseline in the same run:
exact clustering alone (normalised text), which finds no variant.

    .venv/bin/python bench/bench_campaigns.py [--variants 40] [--seed 1]
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from app.services.campaigns import cluster, normalise

# ../shared/corpus from the main checkout, ../../shared/corpus from a worktree under wt/
CORPUS = next((p / "shared" / "corpus" / "comments" for p in (REPO.parent, REPO.parent.parent)
               if (p / "shared" / "corpus" / "comments").exists()), REPO.parent / "shared" / "corpus" / "comments")
TEMPLATES = [
    "I strongly oppose this law. It will hurt small farmers in our region. The government should protect "
    "their right to water. Please change article five before it is adopted.",
    "As a parent I support the new rules for schools. Children need safe buildings and good teachers. "
    "The money must go to rural schools first. Thank you for listening to families.",
    "This draft ignores people with disabilities. Public buildings should have ramps and lifts. "
    "The deadline for owners is too long. Please make access a duty from next year.",
    "We the residents of our mahalla ask you to stop the new tax on small shops. Many families live from "
    "one shop. The tax will close them and people will lose work. Please remove article twelve.",
    "The law should protect the privacy of citizens. Personal data must not be sold or shared without "
    "consent. Companies that break the rules should pay large fines. Add an independent regulator.",
    "I am a doctor and I support the reform of clinics. Patients wait too long for care. More nurses are "
    "needed in villages. The state should pay for their training.",
    "Public transport must be cheaper for students and pensioners. Buses are crowded and late. The city "
    "should buy new buses and publish the timetable. This change will help everyone.",
    "Please keep the old park open to the public. Trees are important for clean air and for our children. "
    "Building offices there would be a mistake. Our community has used this park for fifty years.",
    "The proposed fees for permits are too high. Young people cannot start a business with these costs. "
    "Lower the fees and make the forms simpler. Online applications would save time for all.",
    "I support the ban on plastic bags. Our rivers and fields are full of plastic. Shops should offer paper "
    "or cloth bags. The ban should start this year, not in five years.",
]
SYNONYMS = {
    "strongly": "firmly", "oppose": "reject", "law": "bill", "hurt": "harm", "government": "state",
    "protect": "safeguard", "right": "entitlement", "change": "amend", "support": "back", "rules": "regulations",
    "children": "kids", "need": "require", "money": "funding", "must": "should", "first": "before others",
    "people": "citizens", "ignores": "forgets", "long": "lengthy", "ask": "urge", "stop": "halt",
    "families": "households", "close": "shut", "work": "jobs", "remove": "delete", "privacy": "private life",
    "sold": "traded", "consent": "permission", "large": "heavy", "patients": "the sick", "wait": "queue",
    "cheaper": "less expensive", "crowded": "full", "help": "benefit", "important": "vital", "mistake": "error",
    "high": "steep", "simpler": "easier", "ban": "prohibition", "full": "filled", "start": "begin",
    "please": "kindly", "Please": "Kindly", "new": "fresh", "good": "qualified", "public": "common",
}


def variant(template: str, rng: random.Random) -> str:
    sentences = [s.strip() + "." for s in template.split(".") if s.strip()]
    rng.shuffle(sentences)
    words = " ".join(sentences).split(" ")
    swappable = [i for i, w in enumerate(words) if w.strip(".,") in SYNONYMS]
    for i in rng.sample(swappable, min(len(swappable), rng.randint(2, 4))):
        bare = words[i].strip(".,")
        words[i] = words[i].replace(bare, SYNONYMS[bare])
    return " ".join(words)


def real_comments() -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("*/comments.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            texts += [row["comment-body"] for row in csv.DictReader(f) if row.get("comment-body", "").strip()]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=40, help="variants per campaign template")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"no corpus at {CORPUS}")
    rng = random.Random(args.seed)
    real = real_comments()
    items: list[tuple[int, str]] = []
    campaign_of: dict[int, int] = {}
    for i, text in enumerate(real):
        items.append((i, text))
    next_id = len(items)
    for c, template in enumerate(TEMPLATES):
        for _ in range(args.variants):
            items.append((next_id, variant(template, rng)))
            campaign_of[next_id] = c
            next_id += 1
    rng.shuffle(items)

    t0 = time.perf_counter()
    exact: dict[str, list[int]] = {}
    for item_id, text in items:
        exact.setdefault(normalise(text), []).append(item_id)
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = cluster(items)
    took = time.perf_counter() - t0

    group_of = {item_id: g for g, members in enumerate(groups) for item_id in members}
    found = 0
    for c in range(len(TEMPLATES)):
        members = [i for i, k in campaign_of.items() if k == c]
        main_group, n = Counter(group_of[i] for i in members).most_common(1)[0]
        found += n
    recall = found / len(campaign_of)
    campaign_groups = {group_of[i] for i in campaign_of}
    distinct_real = {}
    for item_id, text in items:
        if item_id not in campaign_of:
            distinct_real.setdefault(normalise(text), item_id)
    into_campaign = sum(group_of[i] in campaign_groups for i in distinct_real.values())
    with_other_real = sum(len(groups[group_of[i]]) > 1 and group_of[i] not in campaign_groups
                          for i in distinct_real.values())
    exact_recall = sum(max(Counter(normalise(t) for i, t in items if campaign_of.get(i) == c).values())
                       for c in range(len(TEMPLATES))) / len(campaign_of)
    n = len(items)
    print(f"comments: {n} ({len(real)} real from {CORPUS.name}/, {len(campaign_of)} generated variants of "
          f"{len(TEMPLATES)} campaigns); {len(distinct_real)} distinct real comments")
    print("| measure | MinHash LSH + exact | baseline: exact only | goal |")
    print("|---|---|---|---|")
    print(f"| recall (variants in their campaign's cluster) | {recall:.1%} | {exact_recall:.1%} | >= 95% |")
    print(f"| distinct real comments merged into a campaign | {into_campaign} ({into_campaign / len(distinct_real):.2%})"
          f" | 0 | < 1% |")
    print(f"| distinct real comments merged with another real one | {with_other_real} "
          f"({with_other_real / len(distinct_real):.2%}) | 0 | (near-duplicates in the corpus, not counted wrong) |")
    print(f"| time per comment | {took / n * 1000:.2f} ms | {baseline / n * 1000:.3f} ms | <= 5 ms |")
    print(f"| total | {took:.2f} s | {baseline:.2f} s | ratio {took / baseline:.0f}x |")


if __name__ == "__main__":
    main()
