import pulumi
import pulumi_cloudflare as cloudflare


class ZoneTls(pulumi.ComponentResource):
    """The TLS profile we apply to every zone."""

    def __init__(self, name, zone_id, min_tls="1.2", hsts_max_age=31536000, opts=None):
        super().__init__("acme:cloudflare:ZoneTls", name, None, opts)
        o = pulumi.ResourceOptions(parent=self)
        cloudflare.ZoneSetting(f"{name}-ssl", zone_id=zone_id, setting_id="ssl", value="strict", opts=o)
        cloudflare.ZoneSetting(f"{name}-min-tls", zone_id=zone_id, setting_id="min_tls_version", value=min_tls, opts=o)
        cloudflare.ZoneSetting(f"{name}-tls13", zone_id=zone_id, setting_id="tls_1_3", value="on", opts=o)
        cloudflare.ZoneSetting(f"{name}-https", zone_id=zone_id, setting_id="always_use_https", value="on", opts=o)
        cloudflare.ZoneSetting(f"{name}-hsts", zone_id=zone_id, setting_id="security_header", opts=o, value={
            "strict_transport_security": {"enabled": True, "max_age": hsts_max_age, "include_subdomains": True,
                                          "preload": False, "nosniff": True}})
        self.register_outputs({})


ZoneTls("main", pulumi.Config().require("zoneId"), min_tls="1.3", hsts_max_age=63072000)
