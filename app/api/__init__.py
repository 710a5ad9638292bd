"""The HTTP API (JSON): one router per resource under :mod:`app.api.routes`, request and
response schemas in :mod:`app.api.schemas`."""
