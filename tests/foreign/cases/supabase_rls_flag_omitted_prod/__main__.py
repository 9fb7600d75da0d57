import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class ManagementApi(ResourceProvider):
    """Calls the Supabase Management API (PUT/PATCH with the inputs as the body); not reached in preview."""

    def create(self, props):
        return CreateResult(id_=props["project_ref"], outs=props)


class SslEnforcement(Resource, module="supabase", name="SslEnforcement"):
    def __init__(self, name, project_ref, requested_config, opts=None):
        super().__init__(ManagementApi(), name, {"project_ref": project_ref, "requestedConfig": requested_config}, opts)


class AuthSettings(Resource, module="supabase", name="AuthSettings"):
    def __init__(self, name, project_ref, config, opts=None):
        super().__init__(ManagementApi(), name, {"project_ref": project_ref, **config}, opts)


class DatabaseSecurity(Resource, module="supabase", name="DatabaseSecurity"):
    def __init__(self, name, project_ref, tables, opts=None):
        super().__init__(ManagementApi(), name, {"project_ref": project_ref, "tables": tables}, opts)


REF = "abcdefghijklmnopqrst"

SslEnforcement("ssl", REF, {"database": True})
AuthSettings("auth", REF, {"rate_limit_email_sent": 30, "rate_limit_verify": 30, "rate_limit_token_refresh": 150,
                           "rate_limit_otp": 30})
DatabaseSecurity("rls", REF, [
    {"schema": "public", "name": "profiles", "rls_enabled": True},
    {"schema": "public", "name": "invoices"},
])
