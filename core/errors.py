"""Errors that any layer may raise and that pages and the API translate the same way."""


class Conflict(Exception):
    """Two people changed the same thing at once and this request lost: pages answer 409 and the
    API answers 409 with the message, so the person reloads and tries again."""
