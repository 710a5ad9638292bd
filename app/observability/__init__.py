"""What an operator sees of a running service: logs (:mod:`app.observability.logs`: one line
per request and per event, text or JSON, with the request id or the batch id, never a secret
or personal data) and Prometheus metrics (:mod:`app.observability.metrics`)."""
