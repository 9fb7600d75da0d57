from components.static_site import StaticSite

__all__ = ["StaticSite"]
