"""security-headers-required on nginx: the add_header set each server/location really sends (nginx inheritance)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fixtures_good import GOOD_HEADERS, container, nginx_conf
from policy_helpers import REPO, UNKNOWN, judge

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"
SECURITY = "".join(f'    add_header {k} "{v}" always;\n' for k, v in GOOD_HEADERS.items())


def uploads(**files: object) -> list[dict[str, object]]:
    return [{"file": path, "content": content} for path, content in files.items()]


def server(body: str) -> str:
    return "server {\n    listen 8080;\n" + SECURITY + body + "}\n"


def test_location_with_its_own_add_header_drops_the_inherited_ones(pack: PolicyPackSession) -> None:
    conf = server('    location /assets/ {\n        add_header Cache-Control "public, max-age=31536000" always;\n'
                  "    }\n    location / { try_files $uri /index.html; }\n")
    result = judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": conf})))
    v = result.assert_has_violation(HEADERS, urn_name="web", contains="location /assets/", level="mandatory")
    assert "X-Frame-Options" in result.messages()
    assert "location / " not in v.message  # the SPA location inherits the server's headers
    assert all("location /assets/" in m.message for m in result.of(HEADERS))


def test_repeating_the_security_headers_in_the_location_passes(pack: PolicyPackSession) -> None:
    conf = server("    location /assets/ {\n" + SECURITY + '        add_header Cache-Control "immutable" always;\n'
                  "    }\n")
    judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": conf}))).assert_no_violations(HEADERS)


def test_http_level_headers_are_dropped_by_a_server_with_its_own(pack: PolicyPackSession) -> None:
    conf = ("events {}\nhttp {\n" + SECURITY + "    server {\n        listen 8080;\n"
            '        add_header Cache-Control "no-cache" always;\n    }\n'
            "    server {\n        listen 8081;\n        location / { }\n    }\n}\n")
    result = judge(pack, container(uploads=uploads(**{"/etc/nginx/nginx.conf": conf})))
    result.assert_has_violation(HEADERS, contains="server _ (listen 8080)")
    assert not [v for v in result.of(HEADERS) if "8081" in v.message]


def test_includes_of_uploaded_files_are_followed_by_path(pack: PolicyPackSession) -> None:
    main = ("http {\n    include snippets/*.conf;\n    server {\n        listen 8080;\n"
            "        include webstack/security-headers.conf;\n        location /api/ {\n"
            "            include webstack/no-cache.conf;\n        }\n        location / { }\n    }\n}\n")
    files = {"/etc/nginx/runtime/nginx.conf": main,
             "/etc/nginx/runtime/webstack/security-headers.conf": SECURITY,
             "/etc/nginx/runtime/webstack/no-cache.conf": 'add_header Cache-Control "no-store" always;\n',
             "/etc/nginx/runtime/snippets/gzip.conf": "gzip on;\n"}
    result = judge(pack, container(uploads=uploads(**files)))
    v = result.assert_has_violation(HEADERS, contains="location /api/")
    assert "location / " not in v.message
    files["/etc/nginx/runtime/webstack/no-cache.conf"] = SECURITY + 'add_header Cache-Control "no-store" always;\n'
    judge(pack, container(uploads=uploads(**files))).assert_no_violations(HEADERS)


def test_add_header_inside_if_replaces_the_location_set(pack: PolicyPackSession) -> None:
    conf = server('    location / {\n        if ($arg_v) {\n            add_header X-Debug "1" always;\n        }\n'
                  "    }\n")
    judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": conf}))).assert_has_violation(
        HEADERS, contains="if ($arg_v) in location /")


def test_redirect_only_server_needs_no_headers(pack: PolicyPackSession) -> None:
    conf = "server {\n    listen 80;\n    return 301 https://$host$request_uri;\n}\n" + server("")
    judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": conf}))).assert_no_violations(HEADERS)


def test_hash_inside_a_quoted_value_is_not_a_comment(pack: PolicyPackSession) -> None:
    csp = GOOD_HEADERS["Content-Security-Policy"] + "; report-uri https://csp.example.com/r#main"
    conf = nginx_conf({**GOOD_HEADERS, "Content-Security-Policy": csp})
    judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": conf}))).assert_no_violations(HEADERS)


def test_commented_out_add_header_does_not_count(pack: PolicyPackSession) -> None:
    conf = nginx_conf().replace("add_header Referrer-Policy", "# add_header Referrer-Policy")
    judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": conf}))).assert_has_violation(
        HEADERS, contains="Referrer-Policy")


def test_unknown_included_file_is_advisory(pack: PolicyPackSession) -> None:
    main = "server {\n    listen 8080;\n    include /etc/nginx/headers.conf;\n}\n"
    result = judge(pack, container(uploads=uploads(**{"/etc/nginx/conf.d/default.conf": main,
                                                      "/etc/nginx/headers.conf": UNKNOWN})))
    result.assert_unknown(HEADERS)
    assert not [v for v in result.of(HEADERS) if v.enforcement == "mandatory"]


@pytest.fixture(scope="module")
def rendered_nginx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Our own nginx config as the selfhosted stack renders it, at the paths the container receives."""
    out = tmp_path_factory.mktemp("selfhosted")
    subprocess.run([sys.executable, "-m", "stackcheck", "preview", "--stack", "selfhosted", "--out", str(out)],
                   cwd=REPO, capture_output=True, text=True, timeout=300, check=True)
    root = out / "nginx"
    files = {f"/etc/nginx/runtime/{p.relative_to(root).as_posix()}": p.read_text()
             for p in sorted(root.rglob("*")) if p.is_file() and (p.suffix == ".conf" or p.name == "mime.types")}
    assert "/etc/nginx/runtime/nginx.conf" in files and len(files) > 5
    return files


@pytest.mark.slow
def test_our_rendered_config_passes_and_a_location_header_breaks_it(pack: PolicyPackSession,
                                                                    rendered_nginx: dict[str, str]) -> None:
    judge(pack, container(uploads=uploads(**rendered_nginx))).assert_no_violations(HEADERS)
    site = "/etc/nginx/runtime/webstack/location/site.conf"
    broken = dict(rendered_nginx)
    broken[site] = broken[site].replace("location /assets/ {",
                                        'location /assets/ {\n    add_header Cache-Control "immutable" always;', 1)
    assert broken[site] != rendered_nginx[site]
    judge(pack, container(uploads=uploads(**broken))).assert_has_violation(
        HEADERS, contains="location /assets/ in server", level="mandatory")

