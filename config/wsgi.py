import os

from django.core.wsgi import get_wsgi_application

# Production unless told otherwise: a served process never runs with DEBUG by accident
# (`make run` asks for config.settings.local).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
