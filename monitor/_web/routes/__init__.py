"""The dashboard's pages, one module each; :data:`ROUTES` lists them all."""

from __future__ import annotations

from starlette.routing import BaseRoute

from monitor._web.routes import brand, complaints, mentions, model, overview, relabel, session, sources

ROUTES: list[BaseRoute] = [
    *session.ROUTES,
    *overview.ROUTES,
    *brand.ROUTES,
    *mentions.ROUTES,
    *relabel.ROUTES,
    *complaints.ROUTES,
    *sources.ROUTES,
    *model.ROUTES,
]

__all__ = ["ROUTES"]
