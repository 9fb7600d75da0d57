"""`python -m stackcheck` (and the `stackcheck` script): interrupts that arrive while the CLI is still being
imported end the run like later ones do — exit 130, no traceback (nothing has been started yet)."""

import signal
import sys


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run() -> None:
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
    sys.exit(code)


if __name__ == "__main__":
    run()
