"""The HTML pages (``app.web.routes.router``): verification behind the QR code, its QR code,
and paste-or-upload verification; and the learner's wallet (``app.web.wallet.router``) with
its printable certificate (:mod:`app.web.certificate`). In English, Slovenian, Croatian,
Serbian (Latin), Bosnian and Montenegrin."""
