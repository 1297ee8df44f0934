"""gunicorn configuration for taxlight (used by deploy/taxlight-web.service).

gunicorn -c /opt/taxlight/deploy/gunicorn.conf.py taxlight.wsgi:application
"""

import multiprocessing
import os

# nginx proxies to this socket (deploy/nginx-taxlight.conf).
bind = os.environ.get("GUNICORN_BIND", "unix:/run/taxlight/gunicorn.sock")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory growth), not all at once.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from nginx on this host.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss rid=%({x-request-id}o)s'
# Load the application before forking: a bad configuration fails once, at start.
preload_app = True
