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
    sys.exit(code)


if __name__ == "__main__":
    run()
