"""taxlight: open, controlled and measured use of a tax bureau's enforcement powers."""

from taxlight.celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
