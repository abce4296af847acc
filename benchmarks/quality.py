"""Quality benchmark: every dataset x system in one table, then seeds checks, BASIL links and pair ranking.

Run ``python -m benchmarks.quality [--size N] [--systems dedup,datasketch,tfidf] [--markdown]``.
The ``synthetic-html`` row is the synthetic corpus rendered as outlet-styled web
pages and read back by the engine's HTML reader; for ``dedup`` the report also
says how closely its clusters there agree with the ones from the JSONL form.
The ``synthetic + chrome`` row is the same corpus under the chrome of scraped
pages (``benchmarks/chrome_corpus.py``): its ARI should stay within 0.005 of the
plain corpus's, and no two unrelated stories of one outlet may be linked.
Clough & Stevenson is scored as derived (``cut``, ``light``, ``heavy``) against
independent (``non``) answers; the three-label figures stay as information.
A missing dataset is reported and skipped; a system that is not importable
yet (the engine while it is being written) is shown as unavailable.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable, Mapping, Sequence

from sklearn.metrics import roc_auc_score

from benchmarks.baselines import (
    minhash_pair_scores,
    minhash_system,
    tfidf_pair_scores,
    tfidf_system,
)
from benchmarks.datasets import (
    Check,
    Event,
    Truth,
    basil_events,
    load_basil,
    load_clough,
    load_seeds,
    load_synthetic,
    seed_checks,
)
from benchmarks.chrome_corpus import add_chrome
from benchmarks.html_corpus import read_back
from benchmarks.metrics import (
    LABELS,
    Scores,
    adjusted_rand,
    confusion,
    derived_split,
    evaluate,
    label_name,
)
from dedup.records import Document

DATASETS: tuple[str, ...] = ("seeds", "clough", "synthetic", "synthetic-html", "synthetic-chrome", "basil")
DISPLAY: dict[str, str] = {"synthetic-chrome": "synthetic + chrome"}
SYSTEMS: tuple[str, ...] = ("dedup", "datasketch", "tfidf")
CLOUGH_MACRO_F1 = 0.85
SYNTHETIC_ARI = 0.98
SYNTHETIC_MACRO_F1 = 0.95
CHROME_ARI_GAP = 0.005
MAX_LINKS_SHOWN = 40

Pair = tuple[str, str, str]


@dataclass(frozen=True)
class Outcome:
    """What one system produced on one dataset (or why it did not)."""

    verdicts: Mapping[str, Any]
    matches: tuple[Any, ...]
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class System:
    """A named system: a clustering function and a pair scorer, either possibly unavailable."""

    name: str
    cluster: Callable[[list[Document]], tuple[Sequence[Any], tuple[Any, ...]]] | None
    pairs: Callable[[list[Pair]], Sequence[Any]] | None
    note: str = ""


@dataclass(frozen=True)
class Row:
    """One line of the main table."""

    dataset: str
    system: str
    docs: int
    scores: Scores | None
    seconds: float | None
    target: str
    note: str = ""


@dataclass(frozen=True)
class PairSet:
    """Labelled pairs for ranking: 1 = shares content, 0 = does not."""

    name: str
    pairs: tuple[Pair, ...]
    labels: tuple[int, ...]


def dedup_system() -> System:
    """The engine, if its API can be imported."""
    try:
        from dedup import cluster_documents
    except Exception as exc:  # the engine may be half-written: report, do not crash
        return System("dedup", None, None, f"unavailable ({type(exc).__name__}: {exc})")

    def cluster(docs: list[Document]) -> tuple[Sequence[Any], tuple[Any, ...]]:
        result = cluster_documents(docs)
        return result.verdicts, tuple(getattr(result, "matches", None) or ())

    scorer = None
    try:
        from dedup import score_pairs as scorer
    except Exception:
        scorer = None
    return System("dedup", cluster, scorer)


def baseline_systems() -> dict[str, System]:
    """The two baselines as systems."""
    return {
        "datasketch": System("datasketch", lambda docs: (minhash_system(docs), ()), minhash_pair_scores),
        "tfidf": System("tfidf", lambda docs: (tfidf_system(docs), ()), tfidf_pair_scores),
    }


def run(system: System, docs: list[Document]) -> Outcome:
    """Time ``system`` on ``docs``; an exception becomes the outcome's error."""
    if system.cluster is None:
        return Outcome({}, (), 0.0, system.note)
    started = time.perf_counter()
    try:
        verdicts, matches = system.cluster(docs)
    except Exception as exc:
        return Outcome({}, (), time.perf_counter() - started, f"error ({type(exc).__name__}: {exc})")
    return Outcome({v.id: v for v in verdicts}, matches, time.perf_counter() - started)


def cross_event_links(verdicts: Mapping[str, Any], events: Mapping[str, Event]) -> list[tuple[str, str, bool]]:
    """Every pair placed in one cluster, with whether both articles cover the same event."""
    clusters: dict[str, list[str]] = {}
    for doc_id in events:
        verdict = verdicts.get(doc_id)
        clusters.setdefault(verdict.cluster if verdict is not None else doc_id, []).append(doc_id)
    return [(a, b, events[a].id == events[b].id)
            for members in clusters.values() for a, b in combinations(sorted(members), 2)]


def same_outlet_links(docs: Sequence[Document], truth: Mapping[str, Truth], outcome: Outcome) -> int:
    """Pairs of unrelated stories of one outlet (different clusters and events in truth) that a system
    linked or put in one cluster: on the chrome corpus, links made by the outlet's page chrome."""
    outlet = {d.id: d.outlet for d in docs}

    def unrelated(a: str, b: str) -> bool:
        ta, tb = truth[a], truth[b]
        return outlet[a] == outlet[b] and ta.cluster != tb.cluster and (ta.event or a) != (tb.event or b)

    groups: dict[tuple[str, str | None], list[str]] = {}
    for doc_id in sorted(truth):
        verdict = outcome.verdicts.get(doc_id)
        groups.setdefault((str(getattr(verdict, "cluster", None) or doc_id), outlet[doc_id]), []).append(doc_id)
    pairs = {(a, b) for members in groups.values() for a, b in combinations(members, 2) if unrelated(a, b)}
    for match in outcome.matches:
        a, b = sorted((getattr(match, "a", ""), getattr(match, "b", "")))
        if getattr(match, "linked", False) and a in truth and b in truth and unrelated(a, b):
            pairs.add((a, b))
    return len(pairs)


def _passed(flag: bool) -> str:
    return "PASS" if flag else "FAIL"


def chrome_target(ari: float, plain: float | None, links: int) -> str:
    """The chrome row's target: ARI within ``CHROME_ARI_GAP`` of the plain corpus's, no same-outlet link."""
    if plain is None:
        return f"0 same-outlet links: {links} {_passed(links == 0)}"
    ok = ari >= plain - CHROME_ARI_GAP and links == 0
    return f"ARI>={plain - CHROME_ARI_GAP:.3f}, 0 same-outlet links: {links} {_passed(ok)}"


def target_for(dataset: str, scores: Scores | None, checks: Sequence[Check], cross: int | None,
               split: float | None = None) -> str:
    """The issue's target for ``dataset`` and whether this row meets it (Clough: ``split``, the macro-F1
    of derived against independent answers)."""
    if dataset == "clough" and split is not None:
        return f"derived/non macro-F1>={CLOUGH_MACRO_F1}: {_passed(split >= CLOUGH_MACRO_F1)}"
    if dataset in ("synthetic", "synthetic-html") and scores is not None:
        macro = scores.labels.macro_f1 or 0.0
        ok = scores.ari >= SYNTHETIC_ARI and macro >= SYNTHETIC_MACRO_F1
        return f"ARI>={SYNTHETIC_ARI}, macro-F1>={SYNTHETIC_MACRO_F1}: {_passed(ok)}"
    if dataset == "seeds" and checks:
        passed = sum(c.passed for c in checks)
        return f"all checks: {passed}/{len(checks)} {_passed(passed == len(checks))}"
    if dataset == "basil" and cross is not None:
        return f"0 cross-event links: {cross} {_passed(cross == 0)}"
    return ""


def html_unavailable() -> str | None:
    """Why HTML pages cannot be read here (the optional extractor is missing), or None."""
    try:
        import dedup.html  # noqa: F401
    except ImportError as exc:
        return f"unavailable ({exc.name or exc} not installed)"
    return None


def cluster_agreement(ids: Sequence[str], first: Mapping[str, Any], second: Mapping[str, Any]) -> tuple[float, int]:
    """ARI between two runs' clusters over ``ids``, and how many ids have exactly the same cluster mates.

    A document without a verdict (left out, e.g. for empty text) is a cluster of its own.
    """
    runs = [{i: str(getattr(v.get(i), "cluster", None) or f"\0{i}") for i in ids} for v in (first, second)]
    mates: list[dict[str, frozenset[str]]] = []
    for clusters in runs:
        members: dict[str, set[str]] = {}
        for doc_id, cluster in clusters.items():
            members.setdefault(cluster, set()).add(doc_id)
        mates.append({doc_id: frozenset(members[cluster]) for doc_id, cluster in clusters.items()})
    same = sum(mates[0][i] == mates[1][i] for i in ids)
    return adjusted_rand(runs[0], runs[1]), same


def html_agreement(ids: Sequence[str], jsonl: Outcome, html: Outcome, seconds: float, markdown: bool) -> list[str]:
    """The report lines comparing dedup on the synthetic corpus's HTML pages with dedup on its JSONL."""
    ari, same = cluster_agreement(ids, jsonl.verdicts, html.verdicts)
    labels = sum(label_name(getattr(jsonl.verdicts.get(i), "label", "original"))
                 == label_name(getattr(html.verdicts.get(i), "label", "original")) for i in ids)
    bullet = "- " if markdown else "  "
    return [f"{bullet}HTML vs JSONL clusters: ARI {ari:.3f}, {same} of {len(ids)} documents in the same cluster",
            f"{bullet}labels: {labels} of {len(ids)} the same",
            f"{bullet}pages generated, rendered and read back in {seconds:.1f} s"]


def clough_split(truth: Mapping[str, Truth], verdicts: Mapping[str, Any]) -> float | None:
    """Macro-F1 of derived (cut, light, heavy) against independent (non) over the answers (sources left out)."""
    answers = {i: t.label for i, t in truth.items() if t.kind != "source"}
    return derived_split(answers, {i: getattr(v, "label", "original") for i, v in verdicts.items()}).macro_f1


def clough_table(rows: Sequence[tuple[str, Mapping[str, Truth], Outcome]], markdown: bool) -> str:
    """Each system on Clough & Stevenson as decided in issue 17: derived against independent answers."""
    body = []
    for name, truth, outcome in rows:
        answers = {i: t.label for i, t in truth.items() if t.kind != "source"}
        split = derived_split(answers, {i: getattr(v, "label", "original") for i, v in outcome.verdicts.items()})
        scores = evaluate(truth, outcome.verdicts)
        body.append([name, _fmt(split.macro_f1), _fmt(split.derived_f1), _fmt(split.original_f1), _fmt(scores.ari),
                     _fmt(scores.source_accuracy),
                     f"macro-F1>={CLOUGH_MACRO_F1}: {_passed((split.macro_f1 or 0.0) >= CLOUGH_MACRO_F1)}"])
    header = ["system", "macro-F1 derived/non", "F1 derived", "F1 non", "ARI", "src acc", "target"]
    return render(header, body, markdown)


def chrome_table(rows: Mapping[str, Mapping[str, tuple[float, int]]], markdown: bool) -> str:
    """Each system on the synthetic corpus with and without chrome: ARI and links between unrelated stories of
    one outlet."""
    body = []
    for name, runs in rows.items():
        plain, chromed = runs.get("synthetic"), runs.get("synthetic-chrome")
        if chromed is None:
            continue
        body.append([name, _fmt(plain[0] if plain else None), _fmt(chromed[0]),
                     _fmt(chromed[0] - plain[0] if plain else None), str(plain[1]) if plain else "–", str(chromed[1]),
                     chrome_target(chromed[0], plain[0] if plain else None, chromed[1])])
    header = ["system", "ARI synthetic", "ARI + chrome", "ARI change", "same-outlet links synthetic",
              "same-outlet links + chrome", "target"]
    return render(header, body, markdown)


def clough_pairs(docs: Sequence[Document], truth: Mapping[str, Truth]) -> PairSet:
    """Each answer against its task's source: positive unless it was written independently (``non``)."""
    text = {d.id: d.text for d in docs}
    pairs, labels = [], []
    for doc_id in sorted(truth):
        if doc_id.startswith("orig_task"):
            continue
        source = f"orig_task{doc_id.rsplit('task', 1)[-1]}"
        pairs.append((f"clough:{source}|{doc_id}", text[source], text[doc_id]))
        labels.append(int(label_name(truth[doc_id].label) != "original"))
    return PairSet("Clough", tuple(pairs), tuple(labels))


def synthetic_pairs(docs: Sequence[Document], truth: Mapping[str, Truth], count: int, seed: int) -> PairSet:
    """Originals against their derived documents (positive) and against same-event independent
    reports or other stories (negative); about ``count`` pairs, half of each."""
    rng = random.Random(f"{seed}:pairs")
    text = {d.id: d.text for d in docs}
    positives = sorted((t.cluster, i) for i, t in truth.items() if t.source is not None)
    hard = sorted((t.event, i) for i, t in truth.items() if t.kind == "independent" and t.event in text)
    originals = sorted(i for i, t in truth.items() if t.kind == "original")
    positives = rng.sample(positives, min(len(positives), count // 2))
    negatives = rng.sample(hard, min(len(hard), count // 4))
    ids = sorted(text)
    for _ in range(20 * count if originals else 0):
        if len(negatives) >= count // 2:
            break
        a, b = rng.choice(originals), rng.choice(ids)
        if truth[b].cluster != a and truth[b].event != a:
            negatives.append((a, b))
    pairs = [(f"synthetic:{a}|{b}", text[a], text[b]) for a, b in positives + negatives]
    return PairSet("Synthetic", tuple(pairs), tuple([1] * len(positives) + [0] * len(negatives)))


def basil_pairs(docs: Sequence[Document], events: Mapping[str, Event]) -> PairSet:
    """Every same-event pair of BASIL articles: all negative (independent coverage)."""
    text = {d.id: d.text for d in docs}
    by_event: dict[str, list[str]] = {}
    for doc_id in sorted(text):
        by_event.setdefault(events[doc_id].id, []).append(doc_id)
    pairs = [(f"basil:{a}|{b}", text[a], text[b]) for members in by_event.values() for a, b in combinations(members, 2)]
    return PairSet("BASIL", tuple(pairs), tuple([0] * len(pairs)))


def _auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    return float(roc_auc_score(labels, scores)) if len(set(labels)) == 2 else None


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """A table as Markdown or as aligned plain text."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


def main_table(rows: Sequence[Row], markdown: bool) -> str:
    """The dataset x system table."""
    header = ["dataset", "system", "docs", "ARI", "pair P", "pair R", "pair F1", "macro-F1",
              "F1 orig", "F1 synd", "F1 rewr", "src acc", "time s", "target"]
    body = []
    for r in rows:
        if r.scores is None:
            body.append([DISPLAY.get(r.dataset, r.dataset), r.system, str(r.docs)] + ["–"] * 9
                        + [_fmt(r.seconds, 2), r.note or r.target])
            continue
        s = r.scores
        body.append([
            DISPLAY.get(r.dataset, r.dataset), r.system, str(r.docs), _fmt(s.ari), _fmt(s.pairs.precision), _fmt(s.pairs.recall),
            _fmt(s.pairs.f1), _fmt(s.labels.macro_f1), *(_fmt(s.labels.per_class[k]) for k in LABELS),
            _fmt(s.source_accuracy), _fmt(r.seconds, 2), r.target,
        ])
    return render(header, body, markdown)


def confusion_table(truth: Mapping[str, Truth], verdicts: Mapping[str, Any], markdown: bool) -> str:
    """Predicted labels of a system for each true kind (or true label where no kind is known)."""
    rows = {i: t.kind or label_name(t.label) for i, t in truth.items()}
    table = confusion(rows, {i: getattr(v, "label", "original") for i, v in verdicts.items()})
    truths = {t.kind or label_name(t.label): label_name(t.label) for t in truth.values()}
    body = [[f"{kind} ({truths[kind]})", str(sum(counts.values())), *(str(counts[k]) for k in LABELS)]
            for kind, counts in sorted(table.items(), key=lambda kv: (LABELS.index(truths[kv[0]]), kv[0]))]
    return render(["truth", "n", *(f"-> {k}" for k in LABELS)], body, markdown)


def _snippet(text: str, limit: int = 140) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def link_report(system: str, outcome: Outcome, events: Mapping[str, Event], markdown: bool) -> list[str]:
    """BASIL links of one system: counts, then each link with its event and best aligned passages."""
    links = cross_event_links(outcome.verdicts, events)
    within = sum(1 for *_, same in links if same)
    lines = [f"{'### ' if markdown else ''}{system}: {within} links within an event, {len(links) - within} across events"]
    matches = {}
    for match in outcome.matches:
        matches[(getattr(match, "a", None), getattr(match, "b", None))] = match
    for a, b, same in sorted(links, key=lambda x: x[2])[:MAX_LINKS_SHOWN]:
        where = f"event {events[a].id} ({events[a].title})" if same else (
            f"ACROSS events {events[a].id} / {events[b].id}")
        lines.append(f"{'- ' if markdown else '  '}{a} <-> {b}: {where}")
        match = matches.get((a, b)) or matches.get((b, a))
        indent = "  - " if markdown else "      "
        if match is None:
            lines.append(indent + ("no direct match (linked through the cluster)" if matches
                                   else "no passage evidence from this system"))
            continue
        lines.append(f"{indent}match score {_fmt(getattr(match, 'score', None), 2)}, "
                     f"linked={getattr(match, 'linked', None)}")
        flipped = getattr(match, "a", a) != a
        alignments = sorted(getattr(match, "alignments", ()) or (), key=lambda x: -getattr(x, "score", 0.0))
        for al in alignments[:3]:
            left, right = getattr(al, "a_text", ""), getattr(al, "b_text", "")
            if flipped:
                left, right = right, left
            lines.append(f"{indent}{_fmt(getattr(al, 'score', None), 2)}: \"{_snippet(left)}\" ~ \"{_snippet(right)}\"")
    if len(links) > MAX_LINKS_SHOWN:
        lines.append(f"{'- ' if markdown else '  '}... {len(links) - MAX_LINKS_SHOWN} more links")
    return lines


def pair_section(systems: Sequence[System], sets: Sequence[PairSet], markdown: bool) -> str:
    """ROC AUC of each pair scorer on each labelled pair set."""
    by_name = {s.name: s for s in sets}
    combined = PairSet("All", tuple(p for s in sets for p in s.pairs), tuple(l for s in sets for l in s.labels))
    header = ["scorer"] + [f"AUC {s.name}" for s in sets if s.name != "BASIL"] + ["AUC all (+BASIL neg)"]
    if "BASIL" in by_name:
        header += ["BASIL mean", "BASIL max"]
    header.append("time s")
    rows = []
    for system in systems:
        if system.pairs is None:
            rows.append([system.name] + ["–"] * (len(header) - 2) + [system.note or "unavailable"])
            continue
        started = time.perf_counter()
        try:
            scored = {p.id: float(p.score) for p in system.pairs(list(combined.pairs))}
        except Exception as exc:
            rows.append([system.name] + ["–"] * (len(header) - 2) + [f"error ({type(exc).__name__})"])
            continue
        seconds = time.perf_counter() - started
        row = [system.name]
        for s in sets:
            if s.name != "BASIL":
                row.append(_fmt(_auc(s.labels, [scored[p[0]] for p in s.pairs])))
        row.append(_fmt(_auc(combined.labels, [scored[p[0]] for p in combined.pairs])))
        if "BASIL" in by_name:
            basil = [scored[p[0]] for p in by_name["BASIL"].pairs]
            row += [_fmt(sum(basil) / len(basil) if basil else None), _fmt(max(basil) if basil else None)]
        row.append(_fmt(seconds, 2))
        rows.append(row)
    sizes = ", ".join(f"{s.name} {sum(s.labels)}+/{len(s.labels) - sum(s.labels)}-" for s in sets)
    return f"pairs: {sizes}\n\n" + render(header, rows, markdown)


def load(name: str, size: int, seed: int) -> tuple[list[Document], dict[str, Truth]]:
    """One dataset by name."""
    if name == "seeds":
        return load_seeds()
    if name == "clough":
        return load_clough()
    if name == "synthetic":
        return load_synthetic("test", size, seed)
    if name == "synthetic-html":
        docs, truth = load_synthetic("test", size, seed)
        return read_back(docs, seed), truth
    if name == "synthetic-chrome":
        docs, truth = load_synthetic("test", size, seed)
        return add_chrome(docs, seed), truth
    if name == "basil":
        return load_basil()
    raise ValueError(f"unknown dataset {name!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the benchmark and print its report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="synthetic test-split corpus size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated: dedup,datasketch,tfidf")
    parser.add_argument("--datasets", default=",".join(DATASETS), help=f"comma-separated: {','.join(DATASETS)}")
    parser.add_argument("--pairs", type=int, default=1000, help="synthetic pairs for the ranking section")
    parser.add_argument("--markdown", action="store_true", help="emit Markdown (for benchmarks/RESULTS.md)")
    args = parser.parse_args(argv)
    md = args.markdown

    available = baseline_systems()
    systems: list[System] = []
    for name in [s.strip() for s in args.systems.split(",") if s.strip()]:
        if name == "dedup":
            systems.append(dedup_system())
        elif name in available:
            systems.append(available[name])
        else:
            parser.error(f"unknown system {name!r}")

    rows: list[Row] = []
    seed_results: dict[str, list[Check]] = {}
    basil_outcomes: dict[str, Outcome] = {}
    events: dict[str, Event] = {}
    pair_sets: list[PairSet] = []
    synthetic_dedup: dict[str, Outcome] = {}
    confusions: list[tuple[str, str, str]] = []
    html_ids: list[str] = []
    html_seconds = 0.0
    clough_runs: list[tuple[str, Mapping[str, Truth], Outcome]] = []
    chrome_runs: dict[str, dict[str, tuple[float, int]]] = {}
    for dataset in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        if dataset == "synthetic-html" and (missing := html_unavailable()):
            rows += [Row(dataset, system.name, 0, None, None, "", missing) for system in systems]
            print(f"dataset {dataset}: {missing} -- skipped", file=sys.stderr)
            continue
        try:
            started = time.perf_counter()
            docs, truth = load(dataset, args.size, args.seed)
            if dataset == "synthetic-html":
                html_ids, html_seconds = list(truth), time.perf_counter() - started
            if dataset == "basil":
                events = basil_events()
        except FileNotFoundError as exc:
            print(f"missing dataset {dataset}: {exc} -- skipped", file=sys.stderr)
            continue
        if dataset == "clough":
            pair_sets.append(clough_pairs(docs, truth))
        elif dataset == "synthetic":
            pair_sets.append(synthetic_pairs(docs, truth, args.pairs, args.seed))
        elif dataset == "basil":
            pair_sets.append(basil_pairs(docs, events))
        for system in systems:
            outcome = run(system, docs)
            if system.name == "dedup" and dataset in ("synthetic", "synthetic-html"):
                synthetic_dedup[dataset] = outcome
            if outcome.error:
                rows.append(Row(dataset, system.name, len(docs), None, None, "", outcome.error))
                continue
            checks = seed_checks(outcome.verdicts) if dataset == "seeds" else []
            scores = None if dataset == "seeds" else evaluate(truth, outcome.verdicts)
            cross = split = None
            if dataset == "clough":
                clough_runs.append((system.name, truth, outcome))
                split = clough_split(truth, outcome.verdicts)
            if dataset in ("synthetic", "synthetic-chrome") and scores is not None:
                links = same_outlet_links(docs, truth, outcome)
                chrome_runs.setdefault(system.name, {})[dataset] = (scores.ari, links)
            if dataset == "seeds":
                seed_results[system.name] = checks
            if dataset == "basil":
                basil_outcomes[system.name] = outcome
                cross = sum(1 for *_, same in cross_event_links(outcome.verdicts, events) if not same)
            target = target_for(dataset, scores, checks, cross, split)
            if dataset == "synthetic-chrome" and scores is not None:
                plain = chrome_runs[system.name].get("synthetic")
                target = chrome_target(scores.ari, plain[0] if plain else None, links)
            rows.append(Row(dataset, system.name, len(docs), scores, outcome.seconds, target))
            if system.name == "dedup" and dataset in ("clough", "synthetic", "synthetic-chrome"):
                confusions.append((dataset, system.name, confusion_table(truth, outcome.verdicts, args.markdown)))
        print(f"done: {dataset}", file=sys.stderr)

    heading = "## " if md else "== "
    out = [f"{heading}Quality (synthetic: test split, {args.size} docs, seed {args.seed})", "", main_table(rows, md)]
    if confusions:
        out += ["", f"{heading}Label confusion (rows: truth, columns: predicted label)"]
        for dataset, name, table in confusions:
            out += ["", f"{'### ' if md else ''}{dataset}, {name}", "", table]
    if clough_runs:
        out += ["", f"{heading}Clough & Stevenson: derived (cut, light, heavy) against independent (non)", "",
                clough_table(clough_runs, md)]
    if any("synthetic-chrome" in runs for runs in chrome_runs.values()):
        out += ["", f"{heading}Synthetic + chrome: ARI and links between unrelated stories of one outlet", "",
                chrome_table(chrome_runs, md)]
    if seed_results:
        out += ["", f"{heading}Seeds checks"]
        for name, checks in seed_results.items():
            out.append(f"{'### ' if md else ''}{name}: {sum(c.passed for c in checks)}/{len(checks)} pass")
            for c in checks:
                out.append(f"{'- ' if md else '  '}[{'pass' if c.passed else 'FAIL'}] {c.name} ({c.detail})")
    if basil_outcomes:
        out += ["", f"{heading}BASIL links (same cluster = linked)"]
        for name, outcome in basil_outcomes.items():
            out += link_report(name, outcome, events, md)
    html_run = synthetic_dedup.get("synthetic-html")
    if html_run is not None and not html_run.error:
        if "synthetic" not in synthetic_dedup:
            dedup = next(s for s in systems if s.name == "dedup")
            synthetic_dedup["synthetic"] = run(dedup, load("synthetic", args.size, args.seed)[0])
        out += ["", f"{heading}Synthetic HTML vs JSONL (dedup)"]
        jsonl = synthetic_dedup["synthetic"]
        if jsonl.error:
            out.append(f"{'- ' if md else '  '}JSONL run: {jsonl.error}")
        else:
            out += html_agreement(html_ids, jsonl, html_run, html_seconds, md)
    if pair_sets:
        out += ["", f"{heading}Pair ranking (ROC AUC)", pair_section(systems, pair_sets, md)]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
