"""security-headers-required on nginx: header values carried by ``map $status`` variables, through the real protocol.

The pattern (nginx docs: ``map`` at http level; ``add_header`` adds no header whose value is the empty string):
``map $status $hdr { 304 ""; default "<value>"; }`` + ``add_header Name $hdr always;`` sends the value on every
response except a 304 Not Modified, which RFC 9110 §15.4.5 lets go without it (the browser keeps the stored
response's headers). The pack must grade the value a 200 gets, accept the empty 304 arm, and report a header
that a map leaves empty on a 200 (missing) or on error responses (like a missing ``always``).
https://nginx.org/en/docs/http/ngx_http_map_module.html, https://nginx.org/en/docs/http/ngx_http_headers_module.html
"""

from __future__ import annotations

import re

from fixtures_good import GOOD_HEADERS, container
from policy_helpers import judge

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"


def _var(name: str) -> str:
    return "$hdr_" + re.sub(r"[^a-z0-9]+", "_", name.lower())


def _maps(values: dict[str, str], arms: dict[str, dict[str, str]] | None = None) -> str:
    out = []
    for name, value in values.items():
        body = (arms or {}).get(name, {"304": '""', "default": f'"{value}"'})
        out.append(f"map $status {_var(name)} {{\n" + "".join(f"    {k} {v};\n" for k, v in body.items()) + "}\n")
    return "".join(out)


def _server(values: dict[str, str]) -> str:
    lines = "".join(f"    add_header {name} {_var(name)} always;\n" for name in values)
    return "server {\n    listen 8080;\n" + lines + "    location / { try_files $uri /index.html; }\n}\n"


def _nginx_conf(values: dict[str, str] | None = None, arms: dict[str, dict[str, str]] | None = None) -> str:
    values = GOOD_HEADERS if values is None else values
    return "events {}\nhttp {\n" + _maps(values, arms) + _server(values) + "}\n"


def _judge(pack: PolicyPackSession, files: dict[str, str]):  # type: ignore[no-untyped-def]
    return judge(pack, container(uploads=[{"file": p, "content": c} for p, c in files.items()]))


def test_values_behind_a_304_map_pass(pack: PolicyPackSession) -> None:
    _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf()}).assert_no_violations(HEADERS)


def test_maps_in_a_conf_d_file_and_braced_variables_pass(pack: PolicyPackSession) -> None:
    # conf.d files are included inside the image's http {}; maps may sit at their top level
    conf = _maps(GOOD_HEADERS) + _server(GOOD_HEADERS).replace("$hdr_", "${hdr_").replace(" always;", "} always;")
    assert "${hdr_x_frame_options} always;" in conf
    _judge(pack, {"/etc/nginx/conf.d/default.conf": conf}).assert_no_violations(HEADERS)


def test_a_regex_arm_for_304_passes(pack: PolicyPackSession) -> None:
    arms = {"X-Frame-Options": {"default": '"DENY"', '"~^304$"': '""'}}
    _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(arms=arms)}).assert_no_violations(HEADERS)


def test_a_map_whose_default_is_empty_leaves_the_header_missing(pack: PolicyPackSession) -> None:
    arms = {"Referrer-Policy": {"304": '""', "default": '""'}}
    result = _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(arms=arms)})
    v = result.assert_has_violation(HEADERS, contains="does not set the required header Referrer-Policy",
                                    level="mandatory")
    assert "$hdr_referrer_policy sends nothing on a 200" in v.message
    assert "sets Referrer-Policy to an empty value" not in result.messages()  # not sent at all, not sent empty


def test_a_map_without_default_and_only_a_200_arm_still_grades_the_200(pack: PolicyPackSession) -> None:
    arms = {"Referrer-Policy": {"200": '"strict-origin-when-cross-origin"'}}  # no default: "" everywhere else
    result = _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(arms=arms)})
    v = result.assert_has_violation(HEADERS, contains="Referrer-Policy is empty on", level="mandatory")
    statuses = re.search(r"is empty on ([\d, ]+) responses", v.message)
    assert statuses is not None
    assert {"404", "500", "301"} <= set(statuses.group(1).split(", ")) and "304" not in statuses.group(1)
    assert "does not set the required header" not in result.messages()


def test_the_value_under_default_is_graded(pack: PolicyPackSession) -> None:
    weak = {**GOOD_HEADERS, "Referrer-Policy": "unsafe-url"}
    result = _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(weak)})
    result.assert_has_violation(HEADERS, contains="Referrer-Policy so that browsers apply unsafe-url")
    weak_hsts = {**GOOD_HEADERS, "Strict-Transport-Security": "max-age=300"}
    result = _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(weak_hsts)})
    result.assert_has_violation(HEADERS, contains="max-age 300 is below")


def test_empty_on_error_responses_is_like_a_missing_always(pack: PolicyPackSession) -> None:
    arms = {"X-Content-Type-Options": {"default": '"nosniff"', '"~^[45]"': '""'}}
    result = _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(arms=arms)})
    v = result.assert_has_violation(HEADERS, contains="X-Content-Type-Options is empty on 400, 401, 403, 404",
                                    level="mandatory")
    assert "only a 304 may go without it" in v.message


def test_a_weaker_value_on_304_is_graded_too(pack: PolicyPackSession) -> None:
    # Browsers update the stored response with the headers a 304 carries: a 304 arm must be empty or as good.
    arms = {"Referrer-Policy": {"304": '"unsafe-url"', "default": '"strict-origin-when-cross-origin"'}}
    result = _judge(pack, {"/etc/nginx/nginx.conf": _nginx_conf(arms=arms)})
    result.assert_has_violation(HEADERS, contains="browsers apply unsafe-url")


def test_a_map_on_another_variable_is_not_resolved(pack: PolicyPackSession) -> None:
    # $uri-dependent values are per request: the pack does not guess (the literal variable is graded as written)
    conf = _nginx_conf().replace("map $status $hdr_referrer_policy", "map $uri $hdr_referrer_policy")
    result = _judge(pack, {"/etc/nginx/nginx.conf": conf})
    result.assert_has_violation(HEADERS, contains="Referrer-Policy so that browsers apply no valid policy")
