"""The API of communities: serializers, filters and views; config/api.py routes them."""
