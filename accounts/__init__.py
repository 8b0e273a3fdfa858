"""Accounts: workspaces (one merchant each), who belongs to them, agencies, API keys, the
dashboard, brand kits, domain events and outgoing webhooks (``accounts.webhooks``).

Tenancy
-------
Every merchant-owned row, in every app, inherits ``ownership.WorkspaceOwned``: its workspace, a
public UUID as primary key (used in URLs and the API), timestamps. Selectors take the caller's
workspace, and an object of another workspace is ``NotFound``, the same answer as a missing
one. In the API the caller's workspace comes from its key (``selectors.workspace_for_api_key``;
docs/API.md); on the dashboard from ``selectors.workspace_access(user, workspace_id)`` (a member,
or staff of the workspace's agency, else 404). The command line works in the ``default``
workspace (``SHOPREEL_DEFAULT_WORKSPACE``).

Sign-up and login
-----------------
django-allauth 65.21 (``allauth.account`` only, no social), chosen over Django's own views for
its maintained sign-up, email verification, reset-by-key and rate-limit flows. Login by email;
``ACCOUNT_EMAIL_VERIFICATION = "mandatory"``: no login until the address is verified (the
confirmation logs the user in), because invitations are claimed by address. Failed logins are
limited by ``ACCOUNT_RATE_LIMITS["login_failed"]`` (``SHOPREEL_LOGIN_FAILED_RATE``, default
``20/m/ip,5/5m/key``) in the default cache: set ``SHOPREEL_CACHE_URL`` (Redis; production
requires it) so web processes share the counts. Mail goes through Django's backend: console by
default, SMTP when ``EMAIL_HOST`` is set (``EMAIL_*``, ``DEFAULT_FROM_EMAIL``), locmem in tests.
allauth's templates are its own, inside ``accounts/templates/accounts/base.html``
(``allauth/layouts/base.html`` extends it); inline CSS, no outside assets. Sign-up
(``adapter.AccountAdapter.save_user``) gives the user a workspace of their own, as its owner
(``user_workspace_create``).

Members and roles (services/members.py, roles.py)
---------------------------------------------------
Owners and admins manage members, invitations and keys; editors make ads; viewers read. Only
owners add, remove, promote or demote owners; the last owner cannot leave, be removed or be
demoted (``last_owner``). ``membership_role_change``, ``membership_remove`` and
``membership_leave`` lock every membership of the workspace (``select_for_update``, pk order)
before counting owners, so two owners demoting each other at once leave one (tested with
threads on PostgreSQL). Removing a member, here or in the admin, revokes the keys they made.
Agency staff reach a client workspace through their agency and leave it only by handing it over.

Invitations (services/invitations.py)
-------------------------------------
Email + role; a 256-bit token in the link (only its SHA-256 is stored), open for
``SHOPREEL_INVITATION_DAYS`` (7), one open per address and workspace (a partial unique
constraint), accepted once (row lock), only by a logged-in user with that address verified; a
member keeps the higher of the two roles. Re-sending makes a new token (the old link dies) and
a new expiry; revoking ends it. An accepted or revoked one answers 409, an expired one 400.
Emails go out on commit; the link starts with ``SHOPREEL_SITE_URL`` where set (never a forged
``Host``), else the request's host.

Agencies (services/agencies.py)
-------------------------------
``AgencyMembership`` (agency, user) is the agency's staff; staff reach every client workspace
(``Workspace.agency``) as admins, never as owners. ``agency_client_create`` makes a client
workspace; ``agency_hand_over_start`` invites the merchant as owner (``hand_over=True``), and
accepting runs ``workspace_hand_over``: the staff's dashboard access and the agency's keys end,
workspace keys made by staff who are not members are revoked, and every other open invitation
of the workspace is revoked (so a second hand-over, or one the agency sent to its own people,
never lets anyone in afterwards; a workspace already handed over cannot be handed over again).
``agency_staff_remove`` (also the admin's delete) takes someone off the staff: their access ends
on the next request and the keys they made in client workspaces are revoked.

API keys (services/api_keys.py, api/)
-------------------------------------
Shown once, stored as a SHA-256 (``keys.py``). A key acts for its workspace with an admin's
rights at most: a write key manages members and invitations, never owners, and only while the
person who made it is an owner or admin of the workspace (``api/permissions.py:
KeyCreatorManagesMembers``; an editor's write key, or a demoted admin's, gets 403
``permission_denied``). Keys made from the command line, through the API or for an agency have
no maker and act as an admin. A viewer may only make read keys. The API's shared parts (key
authentication, scope permission, per-key throttle, cursor pagination, error handler,
``WorkspaceApiView``, ``@idempotent``) are in ``api/``; what callers see is docs/API.md.

Dashboard (views.py, urls.py: ``/app/``, namespace ``dashboard``)
-----------------------------------------------------------------
Every workspace page resolves ``selectors.workspace_access``; refusals are 404 (another
workspace), 403 (role) or a message on the page the form came from (any other
``ApplicationError``). ``/app/`` goes to the session's last workspace; the header's switcher
lists every workspace the user reaches. Pages: ``w/<id>/`` (role; the owner's shared-training
opt-in posts to ``w/<id>/training/``), ``w/<id>/members/`` (change role, remove, leave, invite,
re-send, revoke), ``w/<id>/api-keys/`` (create: the key shown in that answer only, sent with
``Cache-Control: no-store``; list with prefix and last use; revoke), ``agencies/``,
``agencies/<id>/`` (create a client, hand over), ``invitations/<token>/`` (accept). allauth is
under ``/accounts/``.

Tests: ``tests/accounts/`` (``test_auth.py``, ``test_members_and_invitations.py``,
``test_agency.py``, ``test_tenancy_and_admin.py``, ``test_events.py``, and
``test_hostile_input.py``: other workspaces' ids in forms, forged cross-site POSTs, open
redirects, hand-over to the wrong person, staff removal, the training opt-in);
``tests/e2e/test_dashboard.py`` drives Debian's Chromium (Playwright) against ``live_server``:
sign up, verify from ``mail.outbox``, log in, invite, make a key shown once.
"""
