"""Rollback through IaC: re-applying a previous stack config restores the previous resource inputs exactly.

Three offline previews — config A, config B, config A again — and the third equals the first in every resource's
inputs and every rendered file (the runbook's `git revert` of Pulumi.<stack>.yaml followed by `pulumi up`).
"""

from __future__ import annotations

import json
from typing import Any

from hosting_helpers import PROD, REPO, fake_jwt, preview

from stackcheck.model import PreviewResult

ANON = fake_jwt("anon", "rollback")


def _state(result: PreviewResult) -> dict[str, Any]:
    return {r.urn: r.inputs for r in result.resources}


def _config_b() -> dict[str, str]:
    hosting = json.loads(json.dumps(PROD["webstack:hosting"]))
    hosting["vercel"].update({"nodeVersion": "20.x", "buildCommand": "npm run build:prod", "previewProtection": False})
    env = {**PROD["webstack:env"], "VITE_ENABLE_ANALYTICS": "false", "VITE_RELEASE": "2026.11.2"}
    return {"webstack:hosting": json.dumps(hosting), "webstack:env": json.dumps(env),
            "webstack:canonicalHost": "www"}


def test_reapplying_the_previous_config_restores_every_input() -> None:
    secrets = {"webstack:supabaseAnonKey": ANON}
    first, first_files = preview(REPO, "prod", secret_overrides=secrets)
    changed, changed_files = preview(REPO, "prod", overrides=_config_b(), secret_overrides=secrets)
    again, again_files = preview(REPO, "prod", secret_overrides=secrets)

    before, during, after = _state(first), _state(changed), _state(again)
    assert before != during and first_files != changed_files  # B really changed something
    assert any(urn.endswith("::web-env-vite-release") for urn in during)
    assert not any(urn.endswith("::web-env-vite-release") for urn in after)  # the added variable goes away
    assert after == before
    assert again_files == first_files
    assert again.outputs == first.outputs
