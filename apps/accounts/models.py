from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person in one schema: a tenant's warga/staff, or a platform operator in public.

    Roles are groups (`has_role`); the admin's permissions come from groups only. No per-user
    permissions (`user_permissions = None`: no accounts_user_user_permissions table, 5 pg_class
    rows less per schema; apps.accounts.backends reads none), and `groups` is stored through the
    pair-keyed `UserGroup` (issue 17, docs/design/schema-cost.md step 8).
    """

    groups = models.ManyToManyField(  # type: ignore[assignment]
        Group,
        verbose_name=_("groups"),
        blank=True,
        help_text=_(
            "The groups this user belongs to. A user will get all permissions granted to each of their groups."
        ),
        related_name="user_set",
        related_query_name="user",
        through="accounts.UserGroup",
    )
    user_permissions = None  # type: ignore[assignment]
    # Unique by the Meta constraint, not unique=True: the field flag also adds a varchar_pattern_ops
    # copy of the index that only a case-sensitive prefix search would read (schema cost, issue 17).
    username = models.CharField(
        _("username"),
        max_length=150,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[AbstractUser.username_validator],
        error_messages={"unique": _("A user with that username already exists.")},
    )

    full_name = models.CharField(_("nama lengkap"), max_length=150, blank=True)
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    # Keyed digest of the person's NIK (apps.levies.identity, LEVIES_NIK_KEY), never the NIK:
    # kota levy bills addressed to that NIK reach this account. Not indexed (schema cost): read
    # by equality when a bill reaches the kelurahan, over the tenant's users.
    nik_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        # Same name as the constraint unique=True made, so existing schemas keep theirs.
        constraints = [models.UniqueConstraint(fields=["username"], name="accounts_user_username_key")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def has_role(self, role: Role | str) -> bool:
        return self.groups.filter(name=str(role)).exists()

    def has_any_role(self, *roles: Role | str) -> bool:
        """One query for "is this user any of these" (has_role once per role is one each)."""
        return self.groups.filter(name__in=[str(role) for role in roles]).exists()

    @property
    def role_names(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(name, name)) for name in self.groups.values_list("name", flat=True)]


class UserGroup(models.Model):
    """A user's group (role): User.groups, keyed by the pair (apps.core.pair_tables): PRIMARY KEY
    (user_id, group_id) serves a user's roles, the group_id index a role's users."""

    pk = models.CompositePrimaryKey("user_id", "group_id")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "accounts_user_groups"
        verbose_name = _("peran pengguna")
        verbose_name_plural = _("peran pengguna")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.group_id}"


class ApiToken(models.Model):
    """An API key of one user, stored as a SHA-256 digest: the secret is shown once, at issue.

    The key a client sends (`Authorization: Token <key>`) starts with `prefix`, which finds the
    row; the digest of the whole key proves it. Keys copied from DRF's old clear-text table keep
    their 40-hex form (prefix = its first 8 characters) until they expire.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("pengguna"))
    name = models.CharField(_("nama"), max_length=100, blank=True)
    prefix = models.CharField(_("awalan"), max_length=PREFIX_LENGTH)
    digest = models.CharField(_("sidik SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("dibuat"))
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    # Null only when API_TOKEN_TTL_DAYS is 0 (no expiry, flagged by the deploy check).
    expires_at = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at", "-id"]
        constraints = [
            # digest: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["digest"], name="accounts_apitoken_digest_unique"),
        ]
        indexes = [
            # prefix: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.Index(fields=["prefix"], name="accounts_apitoken_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"
