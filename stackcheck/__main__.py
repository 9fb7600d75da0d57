"""`python -m stackcheck` (and the `stackcheck` script): interrupts that arrive while the CLI is still being
imported end the run like later ones do — exit 130, no traceback (nothing has been started yet).

The process runs one command and ends, so the cyclic garbage collector is off for all of it (:func:`run`): the
provider SDKs a program imports leave ~10^6 long-lived objects, and a collection over them cost 0.45 s when the run
gave the collector back and 0.5 s more at interpreter shutdown, out of a ~4 s preview of 1,000 resources. The run
creates almost no cyclic garbage (see :func:`stackcheck.engine.run_program`). Callers of ``stackcheck.cli.main`` in
a long-lived process (tests) keep their collector: only this entry point turns it off."""

import gc
import signal
import sys


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run() -> None:
    gc.disable()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    try:
        from stackcheck.cli import main

        code = main()
    except KeyboardInterrupt:  # before main() took over the signals, or just after it handed them back
        sys.stderr.write("stackcheck: interrupted\n")
        code = 130
    # The outcome is decided: a signal arriving now (during clean-up and interpreter shutdown, when Python has put
    # the default actions back) would only turn this exit code into "killed by signal". Clean-up stays bounded.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    gc.freeze()  # interpreter shutdown collects even with the collector off; frozen objects are not scanned
    sys.exit(code)


if __name__ == "__main__":
    run()
