"""alerts-runbook-coverage (mandatory on production, for stacks that declare notification policies) and
alerts-declared (advisory on production), through the real Analyzer protocol.

Fixture inputs follow pulumi-cloudflare v6's NotificationPolicy example (its docstring: ``alert_type``, ``enabled``,
``mechanisms.emails/pagerduties/webhooks[].id``, ``filters.health_check_ids``) in wire form (camelCase), with alert
types and filter keys from developers.cloudflare.com/notifications/notification-available/ and the API's
available-alerts example (``zones`` + ``slo`` for ``http_alert_origin_error``)."""

from __future__ import annotations

from typing import Any

from policy_helpers import UNKNOWN, judge, make_secret, resource

from stackcheck.analyzer import PolicyPackSession

NP = "cloudflare:index/notificationPolicy:NotificationPolicy"
WEBHOOKS = "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks"
HC = "cloudflare:index/healthcheck:Healthcheck"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
POLICY = "alerts-runbook-coverage"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"  # the provider example's account id
ZONE = "0123456789abcdef0123456789abcdef"
EMAIL = {"emails": [{"id": "oncall@example.com"}]}


def np(name: str, alert_type: str, *, stack: str = "prod", mechanisms: Any = EMAIL, enabled: Any = True,
       filters: Any = None) -> Any:
    inputs: dict[str, Any] = {"accountId": ACCOUNT, "name": name, "alertType": alert_type, "enabled": enabled,
                              "mechanisms": mechanisms}
    if filters is not None:
        inputs["filters"] = filters
    return resource(NP, name, inputs, stack=stack)


def origin(**kw: Any) -> Any:
    kw.setdefault("filters", {"zones": [ZONE], "slos": ["99.7"]})
    return np("origin-errors", "http_alert_origin_error", **kw)


def health(**kw: Any) -> Any:
    kw.setdefault("filters", {"healthCheckIds": ["hc-apex", "hc-www"]})
    return np("health", "health_check_status_notification", **kw)


def zone_record(stack: str = "prod") -> Any:
    return resource(DNS, "apex", {"zoneId": ZONE, "name": "example.com", "type": "A", "content": "203.0.113.10",
                                  "proxied": True, "ttl": 1}, stack=stack)


def test_origin_and_health_alerts_with_targets_pass(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, zone_record(), origin(), health()).assert_no_violations(POLICY)
    # below Enterprise: Passive Origin Monitoring is the plan's origin alert; a webhook destination as the target
    passive = np("origin-unreachable", "real_origin_monitoring", mechanisms={"webhooks": [{"id": "f174e90afafe4643"
                                                                                          "bbbc4a0ed4fc8415"}]})
    judge(prod_pack, passive, health(mechanisms={"pagerduties": [{"id": "f174e90afafe4643bbbc4a0ed4fc8415"}]})
          ).assert_no_violations(POLICY)


def test_a_missing_origin_alert_fails(prod_pack: PolicyPackSession) -> None:
    v = judge(prod_pack, zone_record(), health()).assert_has_violation(
        POLICY, contains="no origin-error alert", level="mandatory")
    assert v.severity == "high" and "production: stack name 'prod'" in v.message
    ddos = np("ddos", "dos_attack_l7")
    judge(prod_pack, ddos, origin()).assert_has_violation(POLICY, contains="no health alert")


def test_an_alert_that_tells_no_one_or_is_off_fails(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, origin(mechanisms={}), health()).assert_has_violation(
        POLICY, urn_name="origin-errors", contains="tells no one")
    judge(prod_pack, origin(), health(mechanisms={"emails": [], "webhooks": []})).assert_has_violation(
        POLICY, urn_name="health", contains="tells no one")
    judge(prod_pack, origin(enabled=False), health()).assert_has_violation(POLICY, contains="disabled")


def test_origin_error_rate_needs_zones_and_slo(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, origin(filters={"zones": [ZONE]}), health()).assert_has_violation(
        POLICY, contains="error 17103")
    judge(prod_pack, origin(filters={"zones": [ZONE], "slo": ["99.9"]}), health()).assert_no_violations(POLICY)


def test_a_webhook_destination_alone_puts_the_stack_in_scope(prod_pack: PolicyPackSession) -> None:
    url = make_secret("https://hooks.example.com/cf")
    dest = resource(WEBHOOKS, "ops-chat", {"accountId": ACCOUNT, "name": "ops", "url": url}, stack="prod")
    judge(prod_pack, dest).assert_has_violation(POLICY, urn_name="ops-chat", contains="no origin-error alert")


def test_unknown_targets_say_so(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, origin(mechanisms=UNKNOWN), health()).assert_unknown(POLICY)


def test_not_in_scope_or_not_production_passes(prod_pack: PolicyPackSession, pack: PolicyPackSession) -> None:
    judge(prod_pack, zone_record()).assert_no_violations(POLICY)  # no alerting here: the advisory policy speaks
    judge(pack, np("health", "health_check_status_notification", stack="dev")).assert_no_violations(POLICY)


def test_alerts_declared_is_advised_on_production(prod_pack: PolicyPackSession, pack: PolicyPackSession) -> None:
    hc = resource(HC, "health-apex", {"zoneId": ZONE, "name": "apex", "address": "example.com"}, stack="prod")
    v = judge(prod_pack, zone_record(), hc).assert_has_violation("alerts-declared", contains="no notification policy")
    assert v.enforcement == "advisory"
    judge(prod_pack, zone_record(), origin(), health()).assert_no_violations("alerts-declared")
    judge(pack, zone_record(stack="dev")).assert_no_violations("alerts-declared")
