FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KINDRED_VAR_DIR=/var/lib/kindred
WORKDIR /app
COPY requirements/lock-production.txt requirements/
# The locked versions, each checked against its hash; then Kindred itself with nothing more.
RUN pip install --no-cache-dir --require-hashes -r requirements/lock-production.txt
COPY pyproject.toml README.md LICENSE ./
COPY config config
COPY core core
COPY communities communities
COPY matching matching
COPY moderation moderation
COPY profiles profiles
RUN pip install --no-cache-dir --no-deps .
COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=collectstatic-only \
    ALLOWED_HOSTS=localhost KINDRED_TRUSTED_PROXIES= KINDRED_VAR_DIR=/app/var python manage.py collectstatic --noinput \
    && useradd --system --home /var/lib/kindred kindred && mkdir -p /var/lib/kindred \
    && chown kindred /var/lib/kindred
ENV STATIC_ROOT=/app/var/staticfiles
USER kindred
EXPOSE 8000
ENTRYPOINT ["/app/docker-entrypoint.sh"]
