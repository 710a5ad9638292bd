"""What every HTTP entry point shares, below all other layers of ``app``: problem details
(:mod:`app.http.problems`), content and language negotiation (:mod:`app.http.negotiation`),
file downloads (:mod:`app.http.downloads`), the public URLs and the tokens in them
(:mod:`app.http.urls`) and the ASGI middleware (:mod:`app.http.middleware`)."""
