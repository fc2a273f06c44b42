"""Blocks: a person takes no more messages from someone, until they unblock them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from profiles.models import Block, User


@transaction.atomic
def person_block(*, actor: User, person: User) -> Block:
    """``actor`` takes no more messages from ``person`` (nor writes to them). Safe to repeat."""
    if actor.pk == person.pk:
        raise ValidationError("You cannot block yourself.")
    try:
        with transaction.atomic():
            block, _ = Block.objects.get_or_create(blocker=actor, blocked=person)
    except IntegrityError:  # twice at once
        block = Block.objects.get(blocker=actor, blocked=person)
    return block


@transaction.atomic
def person_unblock(*, actor: User, person: User) -> bool:
    """Lift one's block of ``person``. Safe to repeat; returns whether there was a block."""
    deleted, _ = Block.objects.filter(blocker=actor, blocked=person).delete()
    return bool(deleted)
