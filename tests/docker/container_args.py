"""The registered ``docker:index/container:Container`` inputs, translated into the Engine API's create call.

Every input the component declares must have a translation here: an input this module does not know fails the
translation (so a new hardening argument cannot be dropped silently), and :func:`expected_inspect` states what
``docker inspect`` must then show for each, so the test can check the round trip field by field.
The units follow the provider's documentation (pulumi-docker ``Container``): ``memory``/``memorySwap`` in MB,
``cpus`` a decimal string, healthcheck durations like ``30s``, ``volumes`` host path/container path/readOnly.
"""

from __future__ import annotations

import re
from typing import Any

MB = 1024 * 1024

HANDLED = frozenset({
    "name", "image", "command", "user", "readOnly", "tmpfs", "capabilities", "securityOpts", "memory", "memorySwap",
    "cpus", "restart", "healthcheck", "logDriver", "logOpts", "networkMode", "ports", "volumes", "labels", "mustRun",
})


def duration_ns(text: str) -> int:
    match = re.fullmatch(r"(\d+)(ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unsupported duration {text!r}")
    unit = {"ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}[match.group(2)]
    return int(match.group(1)) * unit


def create_body(inputs: dict[str, Any], image: str) -> tuple[str, dict[str, Any]]:
    """(container name, the JSON body of ``POST /containers/create``) for the registered inputs."""
    unknown = set(inputs) - HANDLED
    if unknown:
        raise AssertionError(f"declared Container inputs without a translation: {sorted(unknown)}")
    host: dict[str, Any] = {
        "ReadonlyRootfs": bool(inputs.get("readOnly", False)),
        "Tmpfs": dict(inputs.get("tmpfs") or {}),
        "CapDrop": list((inputs.get("capabilities") or {}).get("drops") or []),
        "CapAdd": list((inputs.get("capabilities") or {}).get("adds") or []) or None,
        "SecurityOpt": list(inputs.get("securityOpts") or []),
        "Memory": int(inputs["memory"]) * MB if "memory" in inputs else 0,
        "MemorySwap": int(inputs["memorySwap"]) * MB if "memorySwap" in inputs else 0,
        "NanoCpus": round(float(inputs["cpus"]) * 1e9) if "cpus" in inputs else 0,
        "RestartPolicy": {"Name": inputs.get("restart", "no")},
        "LogConfig": {"Type": inputs.get("logDriver", "json-file"), "Config": dict(inputs.get("logOpts") or {})},
        "NetworkMode": inputs.get("networkMode") or "default",
        "Binds": [f"{v['hostPath']}:{v['containerPath']}{':ro' if v.get('readOnly') else ''}"
                  for v in inputs.get("volumes") or []],
        "PortBindings": {f"{int(p['internal'])}/{p.get('protocol', 'tcp')}":
                         [{"HostIp": p.get("ip", "0.0.0.0"), "HostPort": str(int(p["external"]))}]
                         for p in inputs.get("ports") or []},
    }
    hc = inputs.get("healthcheck")
    body: dict[str, Any] = {
        "Image": image,
        "Cmd": list(inputs.get("command") or []) or None,
        "User": inputs.get("user", ""),
        "Labels": {lab["label"]: lab["value"] for lab in inputs.get("labels") or []},
        "ExposedPorts": {key: {} for key in host["PortBindings"]},
        "HostConfig": host,
    }
    if hc:
        body["Healthcheck"] = {"Test": list(hc["tests"]), "Interval": duration_ns(hc["interval"]),
                               "Timeout": duration_ns(hc["timeout"]), "Retries": int(hc["retries"]),
                               "StartPeriod": duration_ns(hc["startPeriod"])}
    return str(inputs["name"]), body


def expected_inspect(inputs: dict[str, Any]) -> dict[str, Any]:
    """``docker inspect`` paths (dotted) → the value each declared input must produce."""
    _, body = create_body(inputs, image="")
    host = body["HostConfig"]
    out: dict[str, Any] = {
        "Config.User": body["User"],
        "Config.Cmd": body["Cmd"],
        "HostConfig.ReadonlyRootfs": host["ReadonlyRootfs"],
        "HostConfig.Tmpfs": host["Tmpfs"],
        "HostConfig.CapDrop": host["CapDrop"],
        "HostConfig.SecurityOpt": host["SecurityOpt"],
        "HostConfig.Memory": host["Memory"],
        "HostConfig.MemorySwap": host["MemorySwap"],
        "HostConfig.NanoCpus": host["NanoCpus"],
        "HostConfig.RestartPolicy.Name": host["RestartPolicy"]["Name"],
        "HostConfig.LogConfig": host["LogConfig"],
        "HostConfig.NetworkMode": host["NetworkMode"],
        "HostConfig.Binds": host["Binds"],
        "Config.Healthcheck": body.get("Healthcheck"),
    }
    for label, value in body["Labels"].items():
        out[f"Config.Labels.{label}"] = value
    return out


def dig(document: dict[str, Any], dotted: str) -> Any:
    value: Any = document
    parts = dotted.split(".")
    i = 0
    while i < len(parts):
        # label keys contain dots: take the longest key that exists
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if isinstance(value, dict) and key in value:
                value = value[key]
                i = j
                break
        else:
            raise KeyError(dotted)
    return value
