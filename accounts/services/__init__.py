"""Writes for accounts, by domain (workspaces, members, invitations, agencies, API keys,
brand kits, idempotency). Callers import from here; modules inside the package import their
siblings directly, never this ``__init__``."""

from accounts.keys import API_KEY_PREFIX, API_KEY_PREFIX_LENGTH, api_key_hash
from accounts.roles import (
    API_ACTOR,
    check_role,
    require_manager,
    require_owner_for,
)
from accounts.services.agencies import (
    agency_client_create,
    agency_create_for_user,
    agency_hand_over_start,
    agency_staff_remove,
)
from accounts.services.api_keys import (
    API_KEY_TOUCH_SECONDS,
    api_key_create,
    api_key_revoke,
    api_key_touch,
)
from accounts.services.brand_kits import brand_kit_update
from accounts.services.idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_TTL,
    IdempotencyConflict,
    idempotency_abandon,
    idempotency_begin,
    idempotency_finish,
)
from accounts.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from accounts.services.members import (
    membership_delete,
    membership_leave,
    membership_remove,
    membership_role_change,
)
from accounts.services.workspaces import (
    acting_role,
    agency_create,
    user_workspace_create,
    workspace_create,
    workspace_get_or_create_default,
    workspace_hand_over,
    workspace_settings_update,
    workspace_time_zones,
    workspace_training_share_set,
)

__all__ = [
    "API_ACTOR",
    "API_KEY_PREFIX",
    "API_KEY_PREFIX_LENGTH",
    "API_KEY_TOUCH_SECONDS",
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "IDEMPOTENCY_TTL",
    "IdempotencyConflict",
    "acting_role",
    "agency_client_create",
    "agency_create",
    "agency_create_for_user",
    "agency_hand_over_start",
    "agency_staff_remove",
    "api_key_create",
    "api_key_hash",
    "api_key_revoke",
    "api_key_touch",
    "brand_kit_update",
    "check_role",
    "idempotency_abandon",
    "idempotency_begin",
    "idempotency_finish",
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "membership_delete",
    "membership_leave",
    "membership_remove",
    "membership_role_change",
    "require_manager",
    "require_owner_for",
    "user_workspace_create",
    "workspace_create",
    "workspace_get_or_create_default",
    "workspace_hand_over",
    "workspace_settings_update",
    "workspace_time_zones",
    "workspace_training_share_set",
]
