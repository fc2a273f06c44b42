"""The API's list filters (django-filter), by query parameter."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from communities import selectors
from communities.models import Community, Placement, Post, Proposal, Reply, Tag, Thread


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TagFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="slug", lookup_expr="icontains", label="Slug contains")

    class Meta:
        model = Tag
        fields = ["q"]


class PostFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", label="Tag slug")
    author = django_filters.CharFilter(field_name="author__username", label="Author username")
    community = django_filters.CharFilter(
        method="in_community", label="Community slug: posts placed in it (one you may see)"
    )

    class Meta:
        model = Post
        fields = ["kind", "status", "tag", "author", "community"]

    def in_community(self, queryset: QuerySet[Post], name: str, value: str) -> QuerySet[Post]:
        community = selectors.community_for_filter(viewer=self.request.user, slug=value)
        if community is None:
            return queryset.none()
        return queryset.filter(
            pk__in=Placement.objects.filter(community=community).values("post_id")
        )

    def filter_tag(self, queryset: QuerySet[Post], name: str, value: str) -> QuerySet[Post]:
        """Posts carrying the tag, as a subquery: no join that would need DISTINCT (and a
        DISTINCT over every post's columns to count a page of 100,000 posts)."""
        tagged = Post.tags.through.objects.filter(tag__slug=value).values("post_id")
        return queryset.filter(pk__in=tagged)


class CommunityFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", label="Tag slug")
    area = django_filters.CharFilter(field_name="area__slug", label="Area slug")

    class Meta:
        model = Community
        fields = ["status", "origin", "visibility", "join_policy", "tag", "area"]


class ThreadFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="community__slug", label="Community slug")

    class Meta:
        model = Thread
        fields = ["community"]


class ThreadReplyFilter(django_filters.FilterSet):
    thread = IntegerFilter(field_name="thread_id", label="Thread id")

    class Meta:
        model = Reply
        fields = ["thread"]


class ProposalFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="community__slug", label="Community slug")

    class Meta:
        model = Proposal
        fields = ["community", "kind", "state"]
