"""Sign-in, roles and the viewer's scope, enforced on the server for every route in one guard."""

from __future__ import annotations

from dashboard.auth.guard import (
    PAGE_ROLES,
    PUBLIC_PATHS,
    NotSignedIn,
    allowed_paths,
    current_scope,
    current_user_name,
    init_auth,
    may_open,
    scope_for,
)

__all__ = [
    "PAGE_ROLES",
    "PUBLIC_PATHS",
    "NotSignedIn",
    "allowed_paths",
    "current_scope",
    "current_user_name",
    "init_auth",
    "may_open",
    "scope_for",
]
