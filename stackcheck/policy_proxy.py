"""The pack's gRPC client, in its own process, fed resources over a pipe while the program runs.

Why a process: the engine is a Go program, so its Analyze calls cost the Python program nothing. In one Python
process the gRPC client (request building, the channel's threads, a reply per resource) competes with the
program for the GIL and slowed the offline run by ~30 %. Here the program's process only writes one JSON line per
resource; this process runs :class:`stackcheck.analyzer.PolicyPackSession` exactly as in-process callers do.

Protocol on stdin (JSON lines): ``{"record": {...}}`` per resource, then ``{"finish": [...]}`` — the final
resource list, in order, where a record already sent (the very object, unchanged since: after registration the
engine only sets a record's ``outputs``, which no policy sees) is just its URN string and any other is the record.
On stdout: ``{"ready": pack_info}`` or ``{"error": message}`` once started, then
``{"violations": [...]}`` (or ``{"error": ...}``) after finish.

Both JSON sides are on the preview's path (the program's process writes every line; the finish message is sent
after the program ended), so a record is written once, as a shallow field mapping (``dataclasses.asdict`` deep-
copied every input first, ~0.5 ms a resource).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from stackcheck.contract import PYTHONPATH_ENV, end_process_group, popen_child, python_module_argv, write_stdout
from stackcheck.model import ResourceRecord, Violation

_RECORD_FIELDS = tuple(f.name for f in fields(ResourceRecord))


def record_to_json(record: ResourceRecord) -> dict[str, Any]:
    """The record's fields as a mapping for ``json.dumps`` (no copy: values are plain JSON data already)."""
    return {name: getattr(record, name) for name in _RECORD_FIELDS}


def record_from_json(data: dict[str, Any]) -> ResourceRecord:
    return ResourceRecord(**data)


def violation_from_json(data: dict[str, Any]) -> Violation:
    return Violation(**data)


def _say(message: dict[str, Any]) -> None:
    write_stdout(json.dumps(message) + "\n")


def main(argv: list[str]) -> int:
    import gc

    from stackcheck.analyzer import PolicyConfigError, PolicyPackError, PolicyPackSession
    from stackcheck.policy_config import load_config_file

    # A one-shot process that keeps every record until finish and makes no cyclic garbage worth collecting: the
    # collector would only rescan the imported modules' objects (as in `python -m stackcheck`, see its __main__).
    gc.disable()
    gc.freeze()

    pack_dir, project, stack, dry_run, config_file, tags_json = argv
    try:
        file_config = load_config_file(Path(config_file) if config_file != "-" else None)
        # The pack joins this process's group, which stackcheck ends as a whole.
        session = PolicyPackSession(Path(pack_dir), project=project, stack=stack, dry_run=dry_run == "true",
                                    new_group=False)
    except (PolicyConfigError, PolicyPackError) as exc:
        _say({"error": str(exc)})
        return 2
    try:
        try:
            stream = session.stream(config=file_config, tags=json.loads(tags_json), inline=True)
        except PolicyConfigError as exc:
            _say({"error": str(exc)})
            return 2
        _say({"ready": session.pack_info()})
        sent: dict[str, ResourceRecord] = {}
        for line in sys.stdin:
            message = json.loads(line)
            if "record" in message:
                record = record_from_json(message["record"])
                sent[record.urn] = record
                stream.submit(record)
            elif "finish" in message:
                records = [sent[r] if isinstance(r, str) else record_from_json(r) for r in message["finish"]]
                violations, _ = stream.finish(records)
                # Flat dataclasses of strings: a shallow copy is the same mapping as asdict (1,002 violations: 16 ms
                # less on the path after the program ended).
                _say({"violations": [dict(vars(v)) for v in violations]})
                return 0
        _say({"error": "the preview ended before it finished"})
        return 2
    except PolicyPackError as exc:
        _say({"error": str(exc)})
        return 2
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


class PolicyProxy:
    """The program side: start the proxy process, stream records to it, collect the verdict."""

    _FINISH = object()

    def __init__(self, pack_dir: Path, *, project: str, stack: str, dry_run: bool,
                 config_file: Path | None = None, tags: dict[str, str] | None = None,
                 python: str = sys.executable) -> None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ)
        env[PYTHONPATH_ENV] = env.get("PYTHONPATH", "")
        env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        # Its own process group (the pack joins it): close() ends both together on every exit path.
        self._proc = popen_child(
            python_module_argv(python, "stackcheck.policy_proxy", [
                str(pack_dir), project, stack, "true" if dry_run else "false",
                str(config_file) if config_file else "-", json.dumps(tags or {})]),
            new_group=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, errors="replace",
        )
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._sent: dict[str, ResourceRecord] = {}  # URN -> the record object written (writer thread only)
        self._stderr: list[str] = []
        self._writer = threading.Thread(target=self._write, name="stackcheck-policy-writer", daemon=True)
        self._reader = threading.Thread(target=self._drain_stderr, name="stackcheck-policy-stderr", daemon=True)
        # The proxy's stdout is read as it arrives, not only in finish(): its first message (the pack's policies and
        # their schemas, ~80 KB with 46 policies) outgrows a pipe's 64 KB buffer. Unread, it held the proxy before it
        # read a single record — no Analyze overlapped the program — and a full stdin pipe then blocked this side's
        # writer too (an interrupted preview hung on that pair of full pipes).
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._stdout = threading.Thread(target=self._drain_stdout, name="stackcheck-policy-stdout", daemon=True)
        self._writer.start()
        self._reader.start()
        self._stdout.start()
        self.pack_info: dict[str, Any] = {}

    def submit(self, record: ResourceRecord) -> None:
        self._queue.put(record)

    def _write(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while True:
                batch = [self._queue.get()]
                while not self._queue.empty():
                    batch.append(self._queue.get())
                lines = []
                done = False
                for item in batch:
                    if isinstance(item, tuple) and item and item[0] is self._FINISH:
                        lines.append(json.dumps({"finish": [self._final_entry(r) for r in item[1]]}))
                        done = True
                    else:
                        lines.append(json.dumps({"record": record_to_json(item)}))
                        self._sent[item.urn] = item
                stdin.write("\n".join(lines) + "\n")
                stdin.flush()
                if done:
                    stdin.close()
                    return
        except (BrokenPipeError, ValueError):
            return  # the proxy stopped early; finish() reports its error

    def _final_entry(self, record: ResourceRecord) -> str | dict[str, Any]:
        """The URN of a record already sent as this very object, else the record."""
        return record.urn if self._sent.get(record.urn) is record else record_to_json(record)

    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr.append(line.rstrip("\n"))
            del self._stderr[:-40]

    def _drain_stdout(self) -> None:
        assert self._proc.stdout is not None
        try:
            for line in self._proc.stdout:
                self._lines.put(line)
        except (OSError, ValueError):  # closed by close() on an early exit
            pass
        finally:
            self._lines.put(None)

    def _read(self) -> dict[str, Any]:
        line = self._lines.get()
        if not line:
            self._proc.wait()
            tail = "\n".join(self._stderr)
            return {"error": f"the policy pack runner stopped (exit {self._proc.returncode}):\n{tail}"}
        return dict(json.loads(line))

    def finish(self, records: list[ResourceRecord]) -> list[Violation]:
        """Send the final resource list, wait for every Analyze and AnalyzeStack; raise PolicyPackError on failure."""
        from stackcheck.analyzer import PolicyPackError

        self._queue.put((self._FINISH, records))
        ready = self._read()
        if "error" in ready:
            raise PolicyPackError(ready["error"])
        self.pack_info = ready["ready"]
        verdict = self._read()
        if "error" in verdict:
            raise PolicyPackError(verdict["error"])
        return [violation_from_json(v) for v in verdict["violations"]]

    def close(self) -> None:
        """End the proxy and the pack (one process group); safe on every exit path, twice included."""
        end_process_group(self._proc)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except (OSError, ValueError):  # a writer thread may be mid-write on a broken pipe
                    pass
