"""webstack: a Vite + Supabase app in production, declared. Config in Pulumi.<stack>.yaml (see docs/config.md)."""

import pulumi

from components import artifacts
from components.program import build_stack, export_all
from components.stack_config import read_pulumi_config

config = read_pulumi_config(pulumi.get_project(), pulumi.get_stack())
export_all(build_stack(config))
artifacts.write_all(artifacts.artifacts_root(pulumi.get_stack()))
