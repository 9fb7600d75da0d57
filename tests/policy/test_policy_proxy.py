"""stackcheck's policy proxy (the pack's client in its own process, fed while the program runs): its finish message
names the records it already sent by URN and sends any other record whole, and the verdict is the one an
in-process session gives for the same calls (Analyze per submitted record, AnalyzeStack over the final list)."""

from __future__ import annotations

from dataclasses import replace

from fixtures_good import container, good_stack
from policy_helpers import PACK, PROJECT

from stackcheck.analyzer import PolicyPackSession
from stackcheck.policy_proxy import PolicyProxy, record_to_json


def _key(violations: list) -> list[tuple[str, str, str, str]]:  # type: ignore[type-arg]
    return sorted((v.policy, v.enforcement, v.urn or "", v.message) for v in violations)


def test_finish_sends_changed_records_whole_and_the_verdict_matches_a_session() -> None:
    records = [*good_stack(), container(name="late")]
    replaced = replace(records[-1], inputs={**records[-1].inputs, "privileged": True})  # a new object, same URN
    final = [*records[:-1], replaced, container(name="never-submitted", readOnly=False)]

    proxy = PolicyProxy(PACK, project=PROJECT, stack="prod", dry_run=True)
    try:
        for record in records:
            proxy.submit(record)
        violations = proxy.finish(final)
        entries = [proxy._final_entry(r) for r in final]
    finally:
        proxy.close()

    assert entries[:-2] == [r.urn for r in records[:-1]]  # sent before, unchanged: named by URN
    assert entries[-2:] == [record_to_json(replaced), record_to_json(final[-1])]  # replaced / new: whole
    with PolicyPackSession(PACK, project=PROJECT, stack="prod") as session:  # the same calls, in this process
        stream = session.stream()
        for record in records:
            stream.submit(record)
        expected, _ = stream.finish(final)
    assert _key(violations) == _key(expected)
    # The record sent only in the finish message reached AnalyzeStack (it was never analyzed on its own).
    assert ("approved-component-parents", final[-1].urn) in {(v.policy, v.urn) for v in violations}


def test_record_to_json_is_the_records_fields_without_copying() -> None:
    record = container(name="x")
    data = record_to_json(record)
    assert data == {k: getattr(record, k) for k in record.__dataclass_fields__}
    assert data["inputs"] is record.inputs


def test_the_proxy_analyzes_while_the_program_runs() -> None:
    """The proxy's first message (the pack's policies, larger than a pipe's buffer) is read as it arrives, so the
    proxy goes on to read records before finish(): the pack's Analyze overlaps the program. Checked by the proxy
    having consumed a stream larger than both pipe buffers while finish() was not yet called."""
    import time

    proxy = PolicyProxy(PACK, project=PROJECT, stack="prod", dry_run=True)
    try:
        base = good_stack()
        for i in range(600):  # ~200 KB of records, more than the 64 KB stdin pipe holds
            proxy.submit(replace(base[i % len(base)], urn=f"{base[i % len(base)].urn}-{i}", name=f"r{i}"))
        deadline = time.monotonic() + 60
        while proxy._queue.qsize() or proxy._lines.qsize() == 0:  # written, and the ready line arrived
            assert time.monotonic() < deadline, "the proxy stopped reading before finish()"
            time.sleep(0.05)
        assert proxy._writer.is_alive()  # still waiting for more records, not blocked on a full pipe
    finally:
        proxy.close()


def test_the_stack_request_built_while_the_program_ran_is_the_one_built_after(pack: PolicyPackSession) -> None:
    """AnalyzeStack's entries are serialized as records arrive and joined at finish(); the joined bytes are the
    request the stub builds from the final list — a record replaced after it was sent, and a record whose provider
    record changed, are rebuilt, not reused."""
    from pulumi.runtime.proto import analyzer_pb2

    provider = replace(good_stack()[0], urn="urn:pulumi:dev::webshop::pulumi:providers:docker::p", type=(
        "pulumi:providers:docker"), name="p", inputs={"host": "unix:///var/run/docker.sock"}, id="p-id", parent=None)
    records = [provider, *good_stack(), container(name="late"),
               replace(container(name="on-provider"), provider=f"{provider.urn}::p-id")]
    stream = pack.stream()
    for record in records:
        stream.submit(record)
    new_provider = replace(provider, inputs={"host": "tcp://127.0.0.1:2375"})
    late = replace(records[-2], inputs={**records[-2].inputs, "privileged": True})
    final = [new_provider, *records[1:-2], late, records[-1]]
    stream.finish(final)  # waits for every Analyze (and builds every part)

    by_urn = {r.urn: r for r in final}
    judged = [r for r in final if r.custom and not r.type.startswith("pulumi:providers:")]
    joined = b"".join(stream._stack_entry(r, by_urn) for r in judged)
    built = analyzer_pb2.AnalyzeStackRequest(resources=[pack._stack_resource(r, by_urn) for r in judged])
    assert analyzer_pb2.AnalyzeStackRequest.FromString(joined) == built
    reused = [r.urn for r in judged if stream._stack_entry(r, by_urn) is stream._stack_parts[r.urn][2]]
    assert late.urn not in reused and records[-1].urn not in reused  # replaced; its provider's record replaced
    assert len(reused) == len(judged) - 2
