"""WSGI entry for gunicorn and the flask CLI."""

from server import create_app

app = create_app()
