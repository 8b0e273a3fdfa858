"""django-allauth hooks: a new user gets their own workspace, as its owner, unless they came
through an invitation (they join that workspace instead: no empty one of their own)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from accounts.services import user_workspace_create


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit and not (request is not None and request.session.get("shopreel_invited")):
                user_workspace_create(user=user)
        return user
