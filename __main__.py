"""webstack: a Vite + Supabase app in production, declared. Config in Pulumi.<stack>.yaml (see docs/config.md)."""

from pathlib import Path

import pulumi

from components.program import FILES_OUTPUT, build_stack, export_all, write_files
from components.stack_config import read_pulumi_config

stack = pulumi.get_stack()
outputs = build_stack(read_pulumi_config(pulumi.get_project(), stack))
export_all(outputs)
# The rendered files (known during preview) also land in build/<stack>/, e.g. for a Docker build context.
outputs[FILES_OUTPUT].apply(lambda files: [str(p) for p in write_files(Path("build") / stack, files)])
