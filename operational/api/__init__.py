"""The HTTP API: REST resources, provider webhooks, health; ``create_app`` builds it."""

from operational.api.app import create_app

__all__ = ["create_app"]
