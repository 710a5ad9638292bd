"""The HTML pages (``app.web.routes.router``): verification behind the QR code, its QR code,
and paste-or-upload verification, in English, Slovenian, Croatian, Serbian (Latin), Bosnian
and Montenegrin."""
