"""The setup step's scripts, run for real by /bin/sh as the command provider runs them: the key arrives on stdin,
lands 0400 for uid 101 inside a root-only dir, is replaced atomically on a re-run, and the delete script removes
it. (The test runs as root, as the step must on a Docker host.)"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components.nginx_site import tls_setup_script, tls_teardown_script

CERT = "-----BEGIN CERTIFICATE-----\nCERTBODY\n-----END CERTIFICATE-----"
KEY = "-----BEGIN PRIVATE KEY-----\nKEYBODY-secret\n-----END PRIVATE KEY-----\n"


def _run(script: str, *, stdin: str = "", cert: str = CERT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/sh", "-c", script], input=stdin, capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ORIGIN_CERTIFICATE_PEM": cert},
                          check=False)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.fail("the setup step needs root (CI runs the tests as root)")
    return tmp_path / "host" / "site"


def test_key_and_certificate_land_for_uid_101_only(base: Path) -> None:
    result = _run(tls_setup_script(str(base)), stdin=KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "KEYBODY" not in result.stderr  # nothing of the key in the step's output
    key, cert, tls = base / "tls" / "origin.key", base / "tls" / "origin.crt", base / "tls"
    assert key.read_text() == KEY and cert.read_text() == CERT + "\n"
    assert stat.S_IMODE(base.stat().st_mode) == 0o700 and base.stat().st_uid == 0
    assert stat.S_IMODE(tls.stat().st_mode) == 0o500 and tls.stat().st_uid == 101
    assert stat.S_IMODE(key.stat().st_mode) == 0o400 and (key.stat().st_uid, key.stat().st_gid) == (101, 101)
    assert stat.S_IMODE(cert.stat().st_mode) == 0o444
    assert sorted(p.name for p in tls.iterdir()) == ["origin.crt", "origin.key"]  # no temp file left behind


def test_a_rerun_replaces_the_key_and_the_delete_script_removes_everything(base: Path) -> None:
    assert _run(tls_setup_script(str(base)), stdin=KEY).returncode == 0
    rotated = KEY.replace("KEYBODY", "ROTATED")
    assert _run(tls_setup_script(str(base)), stdin=rotated).returncode == 0
    assert (base / "tls" / "origin.key").read_text() == rotated
    assert _run(tls_teardown_script(str(base))).returncode == 0
    assert not base.exists()


def test_a_path_with_shell_syntax_is_quoted(tmp_path: Path, base: Path) -> None:
    odd = tmp_path / "a dir;touch pwned"
    assert _run(tls_setup_script(str(odd)), stdin=KEY).returncode == 0
    assert (odd / "tls" / "origin.key").exists() and not Path("pwned").exists()
    assert _run(tls_teardown_script(str(odd))).returncode == 0
