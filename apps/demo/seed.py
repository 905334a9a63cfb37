"""Demo data on real Kota Madiun regions, so `make run` shows KotaKita working.

Idempotent: running it again changes nothing. Each capability adds its own demo data here.
Only with DEBUG on: the accounts share a published password, and they are refused outside DEBUG
(apps.accounts.demo_lock).
A schema whose demo is complete at SEED_VERSION is skipped (a `DemoSeed` row in the public
schema, written only after all of that schema's modules finished), so a second `make run`
spends well under a second here; `force=True` (`seed_demo --force`) runs every module again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from types import ModuleType

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from apps.accounts.api_tokens import active_tokens, issue_token
from apps.accounts.demo_lock import DEMO_PASSWORD as DEMO_PASSWORD
from apps.accounts.demo_lock import demo_allowed as demo_allowed
from apps.accounts.demo_lock import demo_seeding, mark_demo
from apps.accounts.models import User
from apps.accounts.roles import FRANCHISE_OPERATOR, Role
from apps.accounts.services import create_user
from apps.agenda import demo as agenda_demo
from apps.aid import demo as aid_demo
from apps.analytics import demo as analytics_demo
from apps.bazar import demo as bazar_demo
from apps.billing import demo as billing_demo
from apps.community import demo as community_demo
from apps.core.db import connection
from apps.dataservice import demo as dataservice_demo
from apps.factoring import demo as factoring_demo
from apps.feedback import demo as feedback_demo
from apps.fulfillment import demo as fulfillment_demo
from apps.insights import demo as insights_demo
from apps.invoicing import demo as invoicing_demo
from apps.lending import demo as lending_demo
from apps.levies import demo as levies_demo
from apps.marketplace import demo as marketplace_demo
from apps.payments import demo as payments_demo
from apps.permits import demo as permits_demo
from apps.procurement import demo as procurement_demo
from apps.reports import demo as reports_demo
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.sembako import demo as sembako_demo
from apps.tenancy import services
from apps.tenancy.models import DemoSeed, Tenant
from apps.tukang import demo as tukang_demo

logger = logging.getLogger(__name__)

# Bump when a demo module adds data that existing demo databases should get on their next boot.
# 3: GoTukang (apps.tukang.demo); 4: Sembako Pintar (apps.sembako.demo); 5: OPD invoices;
# 6: a B2B order on invoice terms
SEED_VERSION = 6
PUBLIC_MARKER = "public"

KOTA = "35.77"  # Kota Madiun
KELURAHAN = {
    "35.77.03.1001": "mojorejo",  # Mojorejo, Kec. Taman: the pilot
    "35.77.03.1002": "pandean",
    "35.77.01.1001": "oro-oro-ombo",
}


@dataclass(frozen=True)
class DemoAccount:
    site: str
    role: str
    username: str
    token: str = ""


class DemoRefused(RuntimeError):
    """Seeding the demo (known passwords and keys) outside DEBUG."""


def seed(*, force: bool = False, notes: list[str] | None = None) -> list[DemoAccount]:
    """Seed what is missing and return the demo accounts; `notes` gets one line per thing
    worth telling whoever runs it (e.g. the day the antar demo is planned for)."""
    if not demo_allowed():
        raise DemoRefused("The demo data (published passwords and API keys) is only seeded with DEBUG on.")
    with demo_seeding():  # every user created meanwhile is a demo account
        return _seed(force=force, notes=notes if notes is not None else [])


def _seed(*, force: bool, notes: list[str]) -> list[DemoAccount]:
    connection.set_schema_to_public()
    services.ensure_public_tenant()
    done = set() if force else set(DemoSeed.objects.filter(version=SEED_VERSION).values_list("schema_name", flat=True))
    accounts = [_operator()]
    kota = _tenant(KOTA)
    accounts += _users(
        kota,
        [
            ("admin", Role.ADMIN, "Admin Kota Madiun"),
            ("staf-dinkop", Role.STAF_OPD, "Rina (Dinas Koperasi)"),
            ("staf-disdag", Role.STAF_OPD, "Dewi (Dinas Perdagangan)"),
        ],
        complete=kota.schema_name in done,
    )
    for code in KELURAHAN:
        tenant = _tenant(code)
        accounts += _kelurahan_people(tenant, complete=tenant.schema_name in done)
    for tenant in [kota, *(Tenant.objects.get(region_id=code) for code in KELURAHAN)]:
        if tenant.schema_name in done:
            _refresh_apps(tenant, notes)
        else:
            _seed_apps(tenant, notes)
            _mark(tenant.schema_name)
    connection.set_schema_to_public()
    if PUBLIC_MARKER not in done:
        for module in PUBLIC_DEMO_MODULES:
            module.seed()
        _mark(PUBLIC_MARKER)
    return accounts


def _mark(schema_name: str) -> None:
    connection.set_schema_to_public()
    DemoSeed.objects.update_or_create(schema_name=schema_name, defaults={"version": SEED_VERSION})


# Each capability seeds its own demo data: a module with `seed(tenant)`, idempotent, called
# inside the tenant's schema after the people above exist (in this order: later modules use
# earlier ones' rows, e.g. the marketplace's shops hold permits, analytics rolls everything up).
DEMO_MODULES: list[ModuleType] = [
    agenda_demo,
    permits_demo,
    reports_demo,
    aid_demo,
    payments_demo,
    community_demo,
    marketplace_demo,
    procurement_demo,
    invoicing_demo,
    fulfillment_demo,
    lending_demo,
    factoring_demo,  # after invoicing and lending: bu-sri finances her procurement invoice
    levies_demo,  # kota schema only; the bills' copies appear in Mojorejo
    bazar_demo,  # after the marketplace's shops and community's arisan
    tukang_demo,
    sembako_demo,  # after fulfillment's hub, aid's Sembako RT and the marketplace
    insights_demo,
    feedback_demo,  # before analytics: its answers are part of the rolled-up history
    analytics_demo,
]
# Platform-wide demo data (`seed()`, public schema), after every tenant has its own.
PUBLIC_DEMO_MODULES: list[ModuleType] = [billing_demo, dataservice_demo]


def _seed_apps(tenant: Tenant, notes: list[str]) -> None:
    if tenant.tenant_type == Tenant.Type.KELURAHAN and not tenant.office_address:
        # The kantor's contact on the public profile page (demo data; editable at /wilayah/kantor/).
        # One item of the admin's set-up checklist too.
        with tenant:  # the actor (and its roles) live in the tenant's schema
            services.set_office_contact(
                tenant,
                address=f"Kantor Kelurahan {tenant.name}, Kota Madiun",
                phone="0351-462000",
                email=f"kantor@{tenant.slug}.example.id",
                hours="Senin–Kamis 07.30–15.30, Jumat 07.30–11.00",
                actor=User.objects.get(username="admin"),
            )
    for module in DEMO_MODULES:
        started = time.perf_counter()
        with tenant:
            note = module.seed(tenant)
        logger.debug("demo %s for %s: %.2f s", module.__name__, tenant.schema_name, time.perf_counter() - started)
        if isinstance(note, str) and note:
            notes.append(note)


def _refresh_apps(tenant: Tenant, notes: list[str]) -> None:
    """A complete demo whose time-bound parts went stale (e.g. yesterday's courier route) is
    topped up: modules with `needs_refresh(tenant)` are seeded again when it says so."""
    for module in DEMO_MODULES:
        if not hasattr(module, "needs_refresh"):
            continue
        with tenant:
            if module.needs_refresh(tenant):
                note = module.seed(tenant)
                if isinstance(note, str) and note:
                    notes.append(note)


def _operator() -> DemoAccount:
    operator = User.objects.filter(username="operator").first()
    if operator is None:
        operator = create_user(
            username="operator", email="operator@kotakita.id", full_name="Operator Waralaba", password=DEMO_PASSWORD
        )
        operator.is_staff = True
        operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
        operator.groups.add(Group.objects.get_or_create(name=FRANCHISE_OPERATOR)[0])
    mark_demo(operator)  # also when seeded before demo accounts were marked
    return DemoAccount(services.platform_url("/admin/"), "operator waralaba", "operator", _demo_token(operator))


DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label, not a secret


def _demo_token(user: User) -> str:
    """A new API key to print, once: only the digest is stored, so a re-run that finds a live
    demo token prints nothing (revoke it at /akun/token/ to get a fresh one)."""
    live = (
        active_tokens(user)
        .filter(name=DEMO_TOKEN_NAME)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    )
    return "" if live.exists() else issue_token(user, DEMO_TOKEN_NAME).key


def _tenant(code: str) -> Tenant:
    existing = Tenant.objects.filter(region_id=code).first()
    if existing:
        return existing
    return services.activate_region(code, refill_pool=False).tenant


def _users(tenant: Tenant, people: list[tuple[str, Role, str]], *, complete: bool = False) -> list[DemoAccount]:
    if complete:  # made by an earlier, complete seed: only list them (API keys are shown once, when made)
        return [DemoAccount(tenant.url(), str(role.label), username) for username, role, _n in people]
    made = []
    with tenant:
        admin = User.objects.get(username="admin")
        if not admin.has_usable_password():
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
            mark_demo(admin)
        for username, role, name in people:
            user = User.objects.filter(username=username).first() or create_user(
                username=username, full_name=name, roles=[role], password=DEMO_PASSWORD, email=f"{username}@example.id"
            )
            if username != "admin":  # the tenant's own admin is a demo account only if we set its password
                mark_demo(user)
            token = ""
            if role == Role.INTEGRATOR:
                token = _demo_token(user)
            made.append(DemoAccount(tenant.url(), str(role.label), user.username, token))
    return made


def _kelurahan_people(tenant: Tenant, *, complete: bool = False) -> list[DemoAccount]:
    short = tenant.slug.split("-")[0]
    people = [
        ("admin", Role.ADMIN, f"Admin {tenant.name}"),
        (f"lurah-{short}", Role.LURAH, f"Lurah {tenant.name}"),
        ("ketua-rw01", Role.KETUA_RW, "Pak Slamet (Ketua RW 01)"),
        ("ketua-rt01", Role.KETUA_RT, "Bu Wartini (Ketua RT 01/RW 01)"),
        ("bu-sri", Role.PEMILIK_UMKM, "Sri Rahayu (Pecel Madiun Bu Sri)"),
        ("pak-joko", Role.WARGA, "Joko Santoso"),
        ("kurir-andi", Role.KURIR, "Andi (kurir motor)"),
        ("operator-hub", Role.OPERATOR_HUB, "Dewi (operator hub)"),
        ("bpr-madiun", Role.PETUGAS_LKM, "Hendra (BPR Kota Madiun)"),
        ("bumdes-api", Role.INTEGRATOR, "Integrasi BUMD"),
    ]
    accounts = _users(tenant, people, complete=complete)
    if complete:
        return accounts
    with tenant:
        for rw_number in (1, 2, 3):
            rw, _ = RukunWarga.objects.get_or_create(number=rw_number)
            for rt_number in range(1, 5):
                RukunTetangga.objects.get_or_create(rw=rw, number=rt_number)
        rw1 = RukunWarga.objects.get(number=1)
        rt1 = RukunTetangga.objects.get(rw=rw1, number=1)
        rw1.ketua = User.objects.get(username="ketua-rw01")
        rw1.save(update_fields=["ketua"])
        rt1.ketua = User.objects.get(username="ketua-rt01")
        rt1.save(update_fields=["ketua"])
        for username, address in (("bu-sri", "Jl. Mojorejo No. 12"), ("pak-joko", "Jl. Mojorejo Gg. II No. 3")):
            Residency.objects.get_or_create(
                user=User.objects.get(username=username), defaults={"rt": rt1, "address": address}
            )
    return accounts
