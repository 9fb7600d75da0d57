"""An interrupt that lands inside a finaliser (``__del__``, a weakref callback) is not lost and prints no
"Exception ignored" traceback: stackcheck's handler raises there, where Python cannot propagate an exception, so
stackcheck.contract delivers it again and it is raised in ordinary code right after (seen once in
test_processes: a SIGINT inside a weakref callback of the SDK). Other unraisable errors still reach the hook that
was installed before."""

from __future__ import annotations

import os
import signal
import sys
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from stackcheck.contract import Interrupted, interrupts_as_keyboard_interrupt, was_interrupted


@pytest.fixture
def reported(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """What reaches the unraisable hook in place before stackcheck's (Python's default prints 'Exception ignored')."""
    seen: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: seen.append(info.exc_value))
    yield seen


class _SignalsInFinaliser:
    def __init__(self, sig: int) -> None:
        self.sig = sig

    def __del__(self) -> None:
        os.kill(os.getpid(), self.sig)
        for _ in range(1000):  # the handler runs between these bytecodes, inside __del__
            pass


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_inside_del_is_raised_after_it(sig: int, reported: list[Any]) -> None:
    hook = sys.unraisablehook
    steps = []
    with pytest.raises(Interrupted), interrupts_as_keyboard_interrupt():
        obj = _SignalsInFinaliser(int(sig))
        del obj  # __del__ runs here and is interrupted inside it
        steps.append("after del")
        time.sleep(5)  # the re-delivered signal interrupts this
        steps.append("not reached")
    assert steps == ["after del"]
    assert was_interrupted()
    assert reported == []  # nothing printed as "Exception ignored"
    assert sys.unraisablehook is hook


def test_interrupt_inside_a_weakref_callback(reported: list[Any]) -> None:
    class Target:
        pass

    def callback(_ref: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass

    with pytest.raises(Interrupted), interrupts_as_keyboard_interrupt():
        target = Target()
        ref = weakref.ref(target, callback)
        del target
        time.sleep(5)
    assert ref() is None
    assert reported == []


def test_other_unraisable_errors_still_reported(reported: list[Any]) -> None:
    class Broken:
        def __del__(self) -> None:
            raise ValueError("a real bug in a finaliser")

    with interrupts_as_keyboard_interrupt():
        obj = Broken()
        del obj
    assert [type(e) for e in reported] == [ValueError]
