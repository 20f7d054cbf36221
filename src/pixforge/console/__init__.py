"""The web console at /console: server-rendered pages (Jinja2, htmx, Alpine.js, all vendored)
on the same services as the API."""
