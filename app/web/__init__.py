"""The HTML pages (``app.web.routes.router``): verification behind the QR code (with its
machine forms), its QR code, and paste-or-upload verification; and the learner's wallet
(``app.web.wallet.router``). Rendered with Jinja2 (:mod:`app.web.rendering`) in the languages
of :mod:`app.documents.i18n`."""
