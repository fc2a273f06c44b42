"""GET /api/search/: posts, threads or replies the viewer may see, best first, with highlighted
snippets (escaped HTML whose only markup is <mark>)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from communities import search
from communities.search import SearchHit


class SearchParametersSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=search.MAX_QUERY_LENGTH,
        help_text='The words to look for (web search syntax: "quoted phrase", -word, or).',
    )
    kind = serializers.ChoiceField(
        choices=search.KINDS,
        default="post",
        help_text="What to search: post (the default), thread or reply.",
    )
    community = serializers.SlugField(
        required=False, max_length=140, help_text="Only within this community (its slug)."
    )
    tag = serializers.SlugField(
        required=False, max_length=50, help_text="Only with this tag (its slug)."
    )

    def validate_q(self, value: str) -> str:
        query = search.clean_query(value)
        if not query:
            raise serializers.ValidationError("Give some words to search for.")
        return query


class _CommunityRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=search.KINDS)
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField(help_text="The page of the post, thread or reply.")
    title = serializers.SerializerMethodField(
        help_text="A post's or thread's title; for a reply, the thread or post it answers."
    )
    title_highlighted = serializers.SerializerMethodField(
        help_text="The title as escaped HTML, with the words found in <mark>."
    )
    snippet = serializers.SerializerMethodField(
        help_text="Escaped HTML around the words found, which are in <mark>; may be empty."
    )
    author = serializers.CharField(allow_null=True)
    community = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_title(self, hit: SearchHit) -> str:
        return hit.context or hit.plain_title

    def get_title_highlighted(self, hit: SearchHit) -> str:
        return str(hit.title)

    def get_snippet(self, hit: SearchHit) -> str:
        return str(hit.snippet)

    @extend_schema_field(_CommunityRefSerializer(allow_null=True))
    def get_community(self, hit: SearchHit) -> dict | None:
        if hit.community is None:
            return None
        return {"slug": hit.community.slug, "name": hit.community.name}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, hit: SearchHit) -> list[str]:
        return [tag.slug for tag in hit.tags]


class SearchView(generics.ListAPIView):
    """Search posts (the default), threads or replies that you may see: never content of a
    private community you are not in, nor hidden or removed content. Best match first."""

    serializer_class = SearchHitSerializer
    filter_backends: list = []

    @extend_schema(parameters=[SearchParametersSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args, **kwargs) -> Response:
        given = SearchParametersSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        criteria = given.validated_data
        community = search.community_for_filter(
            viewer=request.user, slug=criteria.get("community", "")
        )
        if criteria.get("community") and community is None:
            raise ValidationError({"community": ["There is no community with that slug."]})
        rows = search.search(
            viewer=request.user,
            kind=criteria["kind"],
            query=criteria["q"],
            community=community,
            tag=criteria.get("tag", ""),
        )
        page = self.paginate_queryset(rows)
        hits = search.present(
            list(page if page is not None else rows), criteria["kind"], criteria["q"]
        )
        data = SearchHitSerializer(hits, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)
