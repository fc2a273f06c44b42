"""The API of profiles: serializers in ``serializers``, viewsets in ``views`` (config/api.py
registers them)."""
