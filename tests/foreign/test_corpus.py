"""The foreign-stack corpus, run the way a user runs the pack: each program through stackcheck's engine, each
verdict from the policy pack over the real Analyzer gRPC protocol. See README.md for what the figures count.

Asserted here: the corpus is well formed and every case ran to a verdict (no program crash, no engine or pack
error). The detection and false-alarm thresholds are not asserted yet (issue 13: engineer `pack` adds them when the
pack reaches them); the figures and the per-case misses are printed at the end of the pytest run."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import (
    PROPOSED_POLICIES,
    REPO,
    cli_verdicts,
    index_markdown,
    load_case,
    load_cases,
    report,
    run_corpus,
    score,
    unpatched_differences,
)

pytestmark = pytest.mark.slow

CASES = load_cases()
MIN_CASES, MIN_CLEAN = 80, 30  # issue 13
ENGINE_CHECK = ("docker_privileged_prod", "cf_clean_raw_prod")


def test_corpus_is_well_formed() -> None:
    counts = Counter(c.verdict for c in CASES)
    assert counts["violation"] + counts["clean"] >= MIN_CASES, counts
    assert counts["clean"] >= MIN_CLEAN, counts
    assert len({c.name for c in CASES}) == len(CASES)
    stacks = {c.stack for c in CASES}
    assert {"prod", "production-us", "prod-eu", "live", "dev", "staging"} <= stacks, stacks


def test_readme_lists_every_case() -> None:
    readme = (Path(__file__).with_name("README.md")).read_text()
    assert index_markdown(CASES) in readme, "README.md's case table is stale: python tests/foreign/corpus.py --index"


def test_every_case_runs_to_a_verdict(record_property: Callable[[str, object], None]) -> None:
    """One test on purpose: the corpus runs once (under xdist a module fixture would run once per worker)."""
    corpus_run = run_corpus(CASES, jobs=2)
    record_property("policy_corpus", report(corpus_run))  # printed in the terminal summary by tests/conftest.py

    failed = {o.case.name: o.error for o in corpus_run.outcomes if o.error}
    assert not failed, "\n\n".join(f"{name}: {error}" for name, error in failed.items())
    assert len(corpus_run.outcomes) == len(CASES)
    s = score(corpus_run.outcomes)
    assert s.insecure + s.clean == len(CASES)
    assert s.detection_rate >= 0.95 and s.false_positive_rate <= 0.05, report(corpus_run)  # issue 13 thresholds
    for o in corpus_run.outcomes:  # every case was judged by the pack: at least one resource reached it
        assert o.resources > 1, o.case.name

    expected = {c.policy for c in CASES if c.policy}
    unknown = expected - corpus_run.policy_names - set(PROPOSED_POLICIES)
    assert not unknown, f"cases expect policies the pack does not have and the corpus does not propose: {unknown}"

    # The pack's SDK speed-ups (policy/webstack_policy/speed.py, applied only under stackcheck) change no verdict:
    # every case's records judged again by the pack as published (no SDK patch) give the same violations.
    assert unpatched_differences(corpus_run) == {}
    # The pack's fast paths agree with their specifications on every corpus resource: the type-dispatched plain()
    # and the Rules-language tokens memoised by text (tests/policy/pack_specs.py).
    for path in (REPO / "policy", REPO / "tests" / "policy"):
        if str(path) not in sys.path:
            sys.path.append(str(path))
    from pack_specs import as_policy_sees, expressions, same_as_generic, tokens_as_fresh, wrongly_declined

    records = [r for o in corpus_run.outcomes for r in o.records]
    assert all(same_as_generic(as_policy_sees(r.inputs)) for r in records)
    # ... and the policies that decline resources for the speed-ups' filter find nothing in any they decline
    declined = {r.urn: wrongly_declined(r.type, r.inputs) for r in records if r.custom}
    assert {urn: wrong for urn, wrong in declined.items() if wrong} == {}
    corpus_expressions = [e for r in records for e in expressions(r.inputs)]
    assert len(corpus_expressions) >= 20 and all(tokens_as_fresh(e) for e in corpus_expressions)

    # The runner's shortcut (forked program runs, one pack per stack name) gives the same violations and exit code
    # as the whole `stackcheck preview --format json` CLI (its own policy proxy and pack processes).
    outcomes = {o.case.name: o for o in corpus_run.outcomes}
    docs = cli_verdicts([outcomes[name].case for name in ENGINE_CHECK])
    for name in ENGINE_CHECK:
        outcome, doc = outcomes[name], docs[name]
        assert "report" in doc, (name, doc)
        cli = sorted((v["policy"], v["enforcement"], v["urn"] or "", v["message"])
                     for v in doc["report"]["violations"])
        fast = sorted((v.policy, v.enforcement, v.urn or "", v.message) for v in outcome.violations)
        assert cli == fast, name
        assert doc["exit"] == (1 if any(v.enforcement == "mandatory" for v in outcome.violations) else 0), name


def test_a_hanging_or_crashing_program_is_a_case_without_a_verdict(tmp_path: Path) -> None:
    """The runner never hangs on a case and never lets one crash the run: the forked child is stopped after the
    case timeout, and a raising program is reported with its error; other cases still get their verdicts."""
    cases = []
    for name, body in (("hangs", "while True:\n    pass\n"), ("raises", "raise RuntimeError('boom')\n"),
                       ("fine", "import pulumi_docker as docker\ndocker.Network('net', name='net')\n")):
        d = tmp_path / name
        d.mkdir()
        (d / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
        (d / "Pulumi.dev.yaml").write_text("config: {}\n")
        (d / "__main__.py").write_text(body)
        (d / "expected.yaml").write_text("verdict: clean\narea: runner\nwhy: runner test\nsources: [this test]\n")
        cases.append(load_case(d))
    run = run_corpus(cases, jobs=2, case_timeout=3)
    by_name = {o.case.name: o for o in run.outcomes}
    assert "without a result" in by_name["hangs"].error
    assert "RuntimeError: boom" in by_name["raises"].error
    assert not by_name["fine"].error and by_name["fine"].resources >= 2
