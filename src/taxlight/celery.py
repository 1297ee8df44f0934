"""The Celery application. Production: Redis broker, `celery worker` and `celery beat`.

Embedded mode (no REDIS_URL) sets ``task_always_eager``: the same tasks run in-process, and
periodic jobs are run by :mod:`taxlight.jobs.embedded` inside ``taxlight serve``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taxlight.settings")

app = Celery("taxlight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
