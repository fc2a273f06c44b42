"""The moderators' API: every action of the review queue and the moderation log.

Views are thin: they parse the request, call one service or selector and serialize. The services
decide who may act (the same `rules` predicates as the pages), so a private community answers 404
to outsiders and 403 to members who do not moderate it. A merge that lost a race answers 409; too
many reports in a row, 429 with Retry-After.

serializers holds what goes in and comes out; views/ the viewsets, by subject (config/api.py
routes them).
"""
