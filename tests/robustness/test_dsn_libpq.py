"""DSN scrubbing follows libpq's own parse (through psycopg, the libpq this repo connects with), not a guess.

libpq (``conninfo_uri_parse_options``) scans a URI's authority to the FIRST ``@`` or ``/``: ``u:p@ss@host`` has
password ``p`` and host ``ss@host``; in ``u:p/ss@host`` there is no password at all (``p`` is the port, ``ss@host/db``
the database). Checked here against the real parser for passwords full of ``@ : % /``; whatever libpq takes as the
password or user, and whatever piece of an intended password it puts elsewhere, is scrubbed.
"""

from __future__ import annotations

from urllib.parse import quote

import psycopg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict
from tally import TALLY

from components.config.dsn import check_dsn, scrub_dsn, uri_userinfo

PASSWORDS = st.text(alphabet="ab9@:%/?#!-_.", min_size=1, max_size=12)


def _libpq(dsn: str) -> dict[str, str] | None:
    try:
        return {k: str(v) for k, v in conninfo_to_dict(dsn).items()}
    except (psycopg.ProgrammingError, UnicodeDecodeError):  # psycopg cannot decode e.g. a %99 escape
        return None


@settings(max_examples=300, deadline=None)
@given(password=PASSWORDS, user=st.sampled_from(["app", "a@b", "u:x", "p%40q"]))
@example(password="p@ss", user="app")
@example(password="p/ss", user="app")
@example(password="p:ss", user="app")
@example(password="p%ss", user="app")
def test_userinfo_split_is_libpqs(password: str, user: str) -> None:
    dsn = f"postgresql://{user}:{password}@db.example.com:5432/postgres"
    parsed = _libpq(dsn)
    if parsed is None:  # libpq refuses it: check_dsn must too, without echoing it
        with pytest.raises(ValueError) as info:
            check_dsn(dsn)
        assert password not in str(info.value) or len(password) < 3
        return
    ours_user, ours_password = uri_userinfo(dsn)
    from urllib.parse import unquote

    assert (unquote(ours_user) if ours_user is not None else None) == parsed.get("user")
    assert (unquote(ours_password) if ours_password is not None else None) == parsed.get("password")


@settings(max_examples=200, deadline=None)
@given(password=PASSWORDS.filter(lambda p: len(p) >= 3))
def test_every_credential_libpq_sees_is_scrubbed(password: str) -> None:
    for dsn in (f"postgresql://app:{password}@db.example.com:5432/postgres",
                f"postgresql://app:{quote(password, safe='')}@db.example.com:5432/postgres"):
        parsed = _libpq(dsn)
        if parsed is None:
            continue
        leaks = [v for k, v in parsed.items() if k in ("password", "user") and len(v) >= 3]
        # a message quoting every field libpq parsed (as its errors do) keeps none of the credentials
        text = " ".join(f'{k}="{v}"' for k, v in parsed.items()) + " " + dsn
        scrubbed = scrub_dsn(text, dsn)
        assert not [v for v in leaks if v in scrubbed], (dsn, scrubbed)
        assert password not in scrubbed or password in ("db.example.com", "postgres")


@pytest.mark.parametrize("password", ["ZZPW@1", "ZZPW:2", "ZZPW%253", "ZZPW/4", "ZZ@PW:%25/5"])
def test_a_refused_connection_names_no_password_fragment(password: str) -> None:
    """The real libpq, connecting to a closed port: its error must reach the user without any fragment."""
    from components.supabase.audit import main

    encoded = quote(password, safe="")
    for dsn in (f"postgresql://app:{encoded}@127.0.0.1:1/postgres",
                f"host=127.0.0.1 port=1 user=app password='{password}'"):
        import contextlib
        import io

        err = io.StringIO()
        with TALLY.case(f"dsn/{encoded}"), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["--dsn", dsn])
        fragments = [f for f in ("ZZPW", password, encoded) if f in err.getvalue()]
        TALLY.add("secret fragments", len(fragments))
        if code != 2:
            TALLY.add("wrong exit codes")
        assert code == 2 and not fragments, err.getvalue()
