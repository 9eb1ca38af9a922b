"""The web workbench and the REST API (``quotaplan serve``).

Where things are::

    app.py        create_app: the pages, the API mounted at /api/v1, static files, error handling
    security.py   the signed session cookie, CSRF tokens, the security headers
    throttle.py   slowing, then locking, repeated failed sign-ins
    auth.py       who is asking (bearer token or session), signing in, enforcing the policy
    errors.py     every exception mapped to one error shape, in one place
    catalog.py    the plans and scenarios an actor may see
    api.py        the /api/v1 routes
    pages.py      the HTML pages; render.py the Jinja environment and its filters
    templates/    the pages' templates; static/ htmx (vendored, 0BSD) and the style sheet
"""

from quotaplan.web.app import create_app

__all__ = ["create_app"]
