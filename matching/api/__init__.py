"""The matching API: match runs (``MatchRunViewSet``) and a post's peers and the communities it
fits (``PostWithMatchesViewSet``, the posts API of communities with two actions more).
Serializers in ``serializers``, viewsets in ``views``; config/api.py routes them."""
