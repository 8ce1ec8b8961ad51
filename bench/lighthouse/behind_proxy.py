"""The portal as gunicorn serves it behind the reverse proxy, for bench/lighthouse/run.py.

In production the proxy terminates TLS and sets (never passes through) X-Forwarded-Proto
(README, "Security"). On the loopback there is no proxy, so this sets the header for every
request instead: the production settings — HTTPS redirect, HSTS, secure cookies — stay as
they are, and every request Lighthouse makes (the page's and its own, e.g. /robots.txt)
is answered as the proxied one would be.
"""

from portal.wsgi import application as portal


def application(environ, start_response):
    environ["HTTP_X_FORWARDED_PROTO"] = "https"
    return portal(environ, start_response)
